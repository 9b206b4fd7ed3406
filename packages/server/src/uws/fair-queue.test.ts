/**
 * The fair queue as a table: operations in, the order out. No manager, no timers (issue 19: the fairness test that
 * slept and read `started[i]` flaked on a busy machine).
 */
import { expect } from "chai";
import { FairQueue } from "./fair-queue.js";

type Op = ["add", string, string] | ["front", string, string] | ["remove", string] | ["next"];

const CASES: { name: string; ops: Op[]; order: string[] }[] = [
  { name: "one key: first come first served", ops: [["add", "a", "a1"], ["add", "a", "a2"], ["add", "a", "a3"]], order: ["a1", "a2", "a3"] },
  {
    name: "round robin over keys (alice's four, bob's two, one anonymous address)",
    ops: [
      ["add", "user:alice", "a0"],
      ["next"],
      ["add", "user:alice", "a1"],
      ["add", "user:alice", "a2"],
      ["add", "user:alice", "a3"],
      ["add", "user:bob", "b1"],
      ["add", "addr:10.0.0.7", "c1"],
      ["add", "user:bob", "b2"],
    ],
    order: ["a0", "a1", "b1", "c1", "a2", "b2", "a3"],
  },
  { name: "a removed job is skipped, and a key left empty leaves the rotation", ops: [["add", "a", "a1"], ["add", "b", "b1"], ["add", "a", "a2"], ["remove", "b1"], ["remove", "a1"]], order: ["a2"] },
  { name: "a job resumed after a restart goes first", ops: [["add", "a", "a1"], ["add", "b", "b1"], ["front", "b", "b0"]], order: ["b0", "a1", "b1"] },
  { name: "a job added twice is queued once", ops: [["add", "a", "a1"], ["add", "a", "a1"], ["add", "b", "b1"]], order: ["a1", "b1"] },
  { name: "removing an unknown job changes nothing", ops: [["add", "a", "a1"], ["remove", "zz"]], order: ["a1"] },
];

describe("fair queue (round robin between users)", () => {
  for (const c of CASES) {
    it(c.name, () => {
      const q = new FairQueue();
      const order: string[] = [];
      for (const op of c.ops) {
        if (op[0] === "add") q.add(op[1], op[2]);
        else if (op[0] === "front") q.add(op[1], op[2], true);
        else if (op[0] === "remove") q.remove(op[1]);
        else order.push(q.next()!);
      }
      for (let id = q.next(); id !== undefined; id = q.next()) order.push(id);
      expect(order).to.deep.equal(c.order);
      expect(q.size).to.equal(0);
    });
  }
});
