import { el, panel } from "./dom.js";

/** The gauge controls: scramble every frame by a random angle, or go back to the reference frames. */
export class GaugePanel {
  readonly element: HTMLElement;
  readonly scrambleButton: HTMLButtonElement;
  readonly resetButton: HTMLButtonElement;
  private readonly status: HTMLElement;

  constructor(handlers: { scramble(): void; reset(): void }) {
    this.scrambleButton = el("button", { type: "button", id: "scramble-gauge", text: "Scramble gauge" });
    this.resetButton = el("button", { type: "button", id: "reset-gauge", text: "Reset" });
    this.scrambleButton.addEventListener("click", handlers.scramble);
    this.resetButton.addEventListener("click", handlers.reset);
    this.status = el("div", { class: "readout", id: "gauge-status" });
    this.element = panel("Gauge", "gauge-panel", [
      this.scrambleButton,
      " ",
      this.resetButton,
      el("p", {
        class: "hint",
        text:
          "Turns every frame by a random angle. Field coefficients, log map and transport change with " +
          "the frames; the fields drawn in 3D stay where they were.",
      }),
      this.status,
    ]);
  }

  showStatus(text: string): void {
    this.status.textContent = text;
  }
}
