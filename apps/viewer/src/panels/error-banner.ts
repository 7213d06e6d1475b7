import { el } from "./dom.js";

/**
 * The page's error line: shows what went wrong (a malformed file, a failed computation) without
 * stopping anything else; dismissed by its close button or by the next successful action.
 */
export class ErrorBanner {
  private readonly element: HTMLElement;
  private readonly text: HTMLElement;

  constructor(element: HTMLElement) {
    this.element = element;
    this.text = el("span", { class: "message" });
    const dismiss = el("button", { class: "dismiss", type: "button", "aria-label": "Dismiss", text: "×" });
    dismiss.addEventListener("click", () => this.clear());
    element.append(this.text, dismiss);
  }

  /** The message on show, or null. */
  get message(): string | null {
    return this.element.hidden ? null : this.text.textContent;
  }

  show(message: string): void {
    this.text.textContent = message;
    this.element.hidden = false;
  }

  clear(): void {
    this.element.hidden = true;
    this.text.textContent = "";
  }
}
