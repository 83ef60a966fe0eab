const { Worker } = require("worker_threads");
const fs = require("fs");
const path = require("path");
const os = require("os");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rrk-node-"));
const file = path.join(dir, "data.txt");
fs.writeFileSync(file, "line one\nline two\n");
const lines = fs.readFileSync(file, "utf8").trim().split("\n").length;
fs.rmSync(dir, { recursive: true });
console.log("fs lines", lines);
const w = new Worker("const { parentPort } = require('worker_threads'); let s = 0; for (let i = 0; i < 1e6; i++) s += i % 7; parentPort.postMessage(s);", { eval: true });
const fromWorker = new Promise((resolve) => w.on("message", resolve));
const timer = new Promise((resolve) => setTimeout(() => resolve("timer fired"), 20));
Promise.all([fromWorker, timer]).then(([s, t]) => {
  console.log("worker sum", s);
  console.log(t);
  return w.terminate();
}).then(() => console.log("done"));
