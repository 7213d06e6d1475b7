import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { InterruptRequest } from "./interrupt.js";

describe("InterruptRequest", () => {
  const setup = () => {
    const source = new EventEmitter();
    const events: string[] = [];
    let clock = 0;
    const interrupt = new InterruptRequest({
      source,
      onFirst: (signal) => events.push(`first ${signal}`),
      forceExit: () => events.push("force"),
      sameRequestMs: 1000,
      now: () => clock,
    }).install();
    return { source, events, interrupt, advance: (ms: number) => (clock += ms) };
  };

  it("records the first Ctrl-C, forces exit on a second one, and detaches on dispose", () => {
    const { source, events, interrupt, advance } = setup();
    expect(interrupt.requested).toBe(false);
    source.emit("SIGINT");
    expect(interrupt.requested).toBe(true);
    advance(5000);
    source.emit("SIGINT");
    expect(events).toEqual(["first SIGINT", "force"]);
    interrupt.dispose();
    expect(source.listenerCount("SIGINT")).toBe(0);
    expect(source.listenerCount("SIGTERM")).toBe(0);
  });

  it("takes the relays of one Ctrl-C by launchers (SIGTERM from pnpm exec, SIGINT from tsx) as one request", () => {
    const { source, events, advance } = setup();
    source.emit("SIGINT");
    advance(2);
    source.emit("SIGTERM");
    advance(30);
    source.emit("SIGINT");
    expect(events).toEqual(["first SIGINT"]);
  });

  it("stops on SIGTERM alone", () => {
    const { source, events, interrupt } = setup();
    source.emit("SIGTERM");
    expect(interrupt.requested).toBe(true);
    expect(events).toEqual(["first SIGTERM"]);
  });
});
