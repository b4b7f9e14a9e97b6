// Autobahn-style client harness for npm's ws, as ws runs Autobahn's
// fuzzingserver: the case count, every case echoing, then updateReports.
// usage: node node-ws-harness.js ws://127.0.0.1:9001 agent
'use strict';
const WebSocket = require('ws');
const [base, agent] = process.argv.slice(2);

function get(path) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(base + path);
    let got = null;
    ws.on('message', (data) => { got = data.toString(); });
    ws.on('close', () => resolve(got));
    ws.on('error', reject);
  });
}

function runCase(i) {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${base}/runCase?case=${i}&agent=${encodeURIComponent(agent)}`, { maxPayload: 0 });
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    ws.on('close', resolve);
    ws.on('error', () => {});
  });
}

(async () => {
  const count = JSON.parse(await get('/getCaseCount'));
  for (let i = 1; i <= count; i++) await runCase(i);
  await get(`/updateReports?agent=${encodeURIComponent(agent)}`);
})().catch((e) => { console.error(e); process.exit(1); });
