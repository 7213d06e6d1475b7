import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { InterruptRequest } from "./interrupt.js";

describe("InterruptRequest", () => {
  it("records the first Ctrl-C, forces exit on the second, and detaches on dispose", () => {
    const source = new EventEmitter();
    const events: string[] = [];
    const interrupt = new InterruptRequest({
      source,
      onFirst: () => events.push("first"),
      forceExit: () => events.push("force"),
    }).install();
    expect(interrupt.requested).toBe(false);
    source.emit("SIGINT");
    expect(interrupt.requested).toBe(true);
    source.emit("SIGINT");
    expect(events).toEqual(["first", "force"]);
    interrupt.dispose();
    expect(source.listenerCount("SIGINT")).toBe(0);
  });
});
