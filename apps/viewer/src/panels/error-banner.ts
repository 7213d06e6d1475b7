import { el } from "./dom.js";

/**
 * The page's error line: shows what went wrong (a malformed file, a failed computation) without
 * stopping anything else; dismissed by its close button or by the next successful action.
 */
export class ErrorBanner {
  private readonly element: HTMLElement;
  private readonly text: HTMLElement;
  private readonly action: HTMLButtonElement;
  private runAction: (() => void) | undefined;

  constructor(element: HTMLElement) {
    this.element = element;
    this.text = el("span", { class: "message" });
    this.action = el("button", { class: "action", type: "button", id: "error-action", hidden: true });
    this.action.addEventListener("click", () => this.runAction?.());
    const dismiss = el("button", { class: "dismiss", type: "button", "aria-label": "Dismiss", text: "×" });
    dismiss.addEventListener("click", () => this.clear());
    element.append(this.text, this.action, dismiss);
  }

  /** Whether the message on show is a notice rather than an error. */
  get isNotice(): boolean {
    return !this.element.hidden && this.element.classList.contains("notice");
  }

  /** The message on show (error or notice), or null. */
  get message(): string | null {
    return this.element.hidden ? null : this.text.textContent;
  }

  /** Shows `message`, with a button offering `action` (such as repairing the mesh) when given. */
  show(message: string, action?: { label: string; run(): void }): void {
    this.element.classList.remove("notice");
    this.text.textContent = message;
    this.runAction = action?.run;
    this.action.textContent = action?.label ?? "";
    this.action.hidden = action === undefined;
    this.element.hidden = false;
  }

  /** Shows a message that reports rather than warns (same place, calmer colour). */
  notice(message: string): void {
    this.show(message);
    this.element.classList.add("notice");
  }

  clear(): void {
    this.element.hidden = true;
    this.text.textContent = "";
    this.runAction = undefined;
    this.action.hidden = true;
  }
}
