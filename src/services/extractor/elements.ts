// Queries answered from one list of a page's elements: linkedom walks the whole document at every query and compiles
// its selector anew, so a walk filtered several times costs a fraction of a query per need. The helpers compare tag
// names and attributes the way selectors do.

/** What `querySelectorAll("*")` lists: the elements under `root` in document order, a <template>'s content left out. */
export const allElements = (root: ParentNode): ReadonlyArray<Element> => Array.from(root.querySelectorAll("*"))

export const ELEMENT_NODE = 1
export const TEXT_NODE = 3
export const CDATA_SECTION_NODE = 4

// Not `nodeName`, which linkedom upper-cases anew at every read.
export const tagName = (element: Element): string => element.localName.toLowerCase()

/** Not `getAttribute`, which for "class" builds the element's classList and returns its tokens deduplicated. */
export const attributeValue = (element: Element, name: string): string | null =>
  element.getAttributeNode(name)?.value ?? null

/** As `tag[attribute]...` selects them. */
export const withAttributes = (
  elements: ReadonlyArray<Element>,
  tag: string,
  ...attributes: ReadonlyArray<string>
): Array<Element> =>
  elements.filter((element) => tagName(element) === tag && attributes.every((name) => element.hasAttribute(name)))
