export declare const bundleOptions: import("esbuild").BuildOptions
