// npm run test:quick: the test files that test-kinds.json calls "quick", with .mocharc.json's settings, and
// test-support/quick-guard.ts, which fails any of them that starts a process. npm test runs every file.
// CommonJS, as mocha reads its configuration files with require().
//
// .mocharc.json (a JSON file, so the reason is here) runs Node with --no-experimental-require-module: where Node can
// require() ES modules (20.19 and later), mocha loads a test file with require(), and through tsx the file and what it
// imports are then CommonJS copies beside the ES modules that dynamic imports load: two copies of a module, so an
// error thrown by one copy's class is not an instance of the other's (a hostile image ID answered 500, not 400), and
// import.meta.resolve is missing (faults.test.ts). Until the compiler stopped loading lodash-es, require() failed for
// every file that reached it and mocha fell back to import(), which hid this. With import() alone, every file and
// module is one ES module, as in the service; loading also took 1.6 s less CPU.
/* global require, module */
/* eslint-disable @typescript-eslint/no-require-imports */
const { files } = require("./test-kinds.json");
const base = require("./.mocharc.json");

/**
 * Workers: one per core that is free now, at most 4 (each loads every module and starts its own demo service, about
 * 3 s of CPU more per worker), and none (one process) when fewer than two are free. On the 2 cores of the project's
 * machine, at load 0.5-1: 12.6-17.2 s in two workers against 14.7-21.3 s in one (the same half hour); at load 4-5, two
 * were slower than one (7cd5fcb). "Free now" is the cores' idle time over the next 300 ms, not the load average,
 * which still counts the previous run a minute later: run after run in the edit loop, that chose one process on an
 * idle machine. QUICK_JOBS=n sets the count. Mocha evaluates this file again in the child that it starts with the
 * node options, so the first evaluation passes its choice on in QUICK_JOBS and says it once.
 */
const os = require("node:os");

function idleCores(ms) {
  const busyAndIdle = () => os.cpus().reduce((acc, c) => {
    const t = c.times;
    return { idle: acc.idle + t.idle, all: acc.all + t.user + t.nice + t.sys + t.idle + t.irq };
  }, { idle: 0, all: 0 });
  const a = busyAndIdle();
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  const b = busyAndIdle();
  return b.all > a.all ? (os.cpus().length * (b.idle - a.idle)) / (b.all - a.all) : os.availableParallelism();
}

const chosen = process.env.QUICK_JOBS === undefined;
const free = chosen ? idleCores(300) : undefined;
const jobs = Number(process.env.QUICK_JOBS ?? Math.min(4, free >= 1.5 ? Math.round(free) : 1));
if (!Number.isInteger(jobs) || jobs < 1) throw new Error(`QUICK_JOBS=${process.env.QUICK_JOBS}: a whole number of workers, at least 1`);
if (chosen) {
  process.env.QUICK_JOBS = String(jobs);
  console.error(`test:quick: ${jobs === 1 ? "one process" : `${jobs} workers`} (${free.toFixed(1)} of ${os.cpus().length} cores idle over 300 ms)`);
}

module.exports = {
  ...base,
  ...(jobs > 1 ? { parallel: true, jobs } : {}),
  spec: Object.keys(files).filter((file) => files[file] === "quick"),
  require: [...base.require, "packages/server/src/test-support/quick-guard.ts"],
};
