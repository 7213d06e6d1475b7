type Attributes = Record<string, string | number | boolean | undefined>;

/**
 * Creates an element with attributes and children. Boolean attributes are set when true and left
 * out when false; `text` sets the text content.
 */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes & { text?: string } = {},
  children: (Node | string)[] = [],
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (name === "text") element.textContent = String(value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  element.append(...children);
  return element;
}

/** A titled sidebar section. */
export function panel(title: string, id: string, children: (Node | string)[]): HTMLElement {
  return el("section", { class: "panel", id }, [el("h2", { text: title }), ...children]);
}

/** A labelled checkbox. */
export function checkbox(
  id: string,
  label: string,
  checked: boolean,
): { label: HTMLLabelElement; input: HTMLInputElement } {
  const input = el("input", { type: "checkbox", id, checked });
  return { label: el("label", { for: id }, [input, label]), input };
}
