import { Config, type Context, Effect, Layer } from "effect"

/** An integer setting from the environment that must be above zero. */
export const positiveInt = (name: string, fallback: number) =>
  Config.integer(name).pipe(
    Config.withDefault(fallback),
    Config.validate({ message: `${name} must be a positive integer`, validation: (n) => n > 0 })
  )

/** An integer setting from the environment that may be zero. */
export const nonNegativeInt = (name: string, fallback: number) =>
  Config.integer(name).pipe(
    Config.withDefault(fallback),
    Config.validate({ message: `${name} must be zero or more`, validation: (n) => n >= 0 })
  )

/**
 * A settings layer: the values read from `Config`, with explicit overrides on top (a program's or a test's choice
 * wins over the environment).
 */
export const settingsLayer = <I, S extends object>(tag: Context.Tag<I, S>, config: Config.Config<S>) =>
(overrides: Partial<S> = {}) => Layer.effect(tag, Effect.map(config, (settings) => ({ ...settings, ...overrides })))
