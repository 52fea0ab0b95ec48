/** Small DOM helpers: elements are built from text, never from HTML strings. */

type Child = Node | string | null | undefined | false;
type Attributes = Record<string, string | boolean | undefined | ((event: Event) => void)>;

/**
 * Creates an element with attributes (`on*` functions become listeners, `true` an empty
 * attribute, `false`/`undefined` none) and children (strings become text nodes).
 *
 * @param tag - the element's tag name
 * @param attributes - attributes and listeners
 * @param children - child nodes or text
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (value === true) element.setAttribute(name, '');
    else if (typeof value === 'string') element.setAttribute(name, value);
  }
  for (const child of children) {
    if (child) element.append(child);
  }
  return element;
}

/**
 * A table in a box that scrolls sideways on a narrow screen, so the page itself never does (the
 * table keeps its table semantics, which `display: block` on it would lose).
 *
 * @param tag - `table`
 * @param attributes - the table's attributes
 * @param children - caption, head and body
 */
export function scrollable(
  tag: 'table',
  attributes: Attributes,
  ...children: Child[]
): HTMLDivElement {
  return h('div', { class: 'scroll' }, h(tag, attributes, ...children));
}

/**
 * The element with this id; the page is static, so a missing one is a bug in `index.html`.
 *
 * @param id - the element's id
 */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is missing from index.html`);
  return element as T;
}

/**
 * A date and time in the reader's locale, or a dash.
 *
 * @param iso - an ISO-8601 instant, or null
 */
export function when(iso: string | null): string {
  return iso ? new Date(iso).toLocaleString() : '—';
}

/** How to find an element again after a redraw: its id, else its tag and text. */
function focusKey(element: Element): string {
  return element.id ? `#${element.id}` : `${element.tagName}:${element.textContent ?? ''}`;
}

/**
 * Replaces a container's content only when what it shows has changed, so that polling keeps the
 * reader's place; when it does redraw, the control that had the focus gets it back, so a keyboard
 * user is never thrown to the top of the page.
 *
 * @param container - the element to fill
 * @param key - a fingerprint of the data shown (e.g. its JSON)
 * @param render - builds the new content
 */
export function renderIfChanged(container: HTMLElement, key: string, render: () => Child[]): void {
  if (container.dataset.key === key) return;
  container.dataset.key = key;
  const active = document.activeElement;
  const focused = active && container.contains(active) ? focusKey(active) : undefined;
  container.replaceChildren(...render().filter((c): c is Node | string => Boolean(c)));
  if (!focused) return;
  const again = [...container.querySelectorAll<HTMLElement>('button, a, input, select, h3')].find(
    (element) => focusKey(element) === focused,
  );
  again?.focus();
}
