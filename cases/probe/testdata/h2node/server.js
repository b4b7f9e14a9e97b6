'use strict';
// WebSocket over HTTP/2 (RFC 8441) on Node's own http2 module: the HTTP/2
// layer (SETTINGS_ENABLE_CONNECT_PROTOCOL, extended CONNECT validation, flow
// control, streams) is Node's and nghttp2's; the echo on each stream is a
// minimal RFC 6455 framing written for this test.
const http2 = require('http2');
// With the argument "no-connect-protocol" the server leaves
// SETTINGS_ENABLE_CONNECT_PROTOCOL out, as an HTTP/2 server without RFC 8441.
const enable = process.argv[2] !== 'no-connect-protocol';
const server = http2.createServer({ settings: { enableConnectProtocol: enable } });
server.on('session', (s) => s.on('error', () => {}));
server.on('stream', (stream, headers) => {
  stream.on('error', () => {});
  if (headers[':method'] !== 'CONNECT' || headers[':protocol'] !== 'websocket') {
    stream.respond({ ':status': 400 }, { endStream: true });
    return;
  }
  if (headers['sec-websocket-version'] !== '13') {
    stream.respond({ ':status': 400, 'sec-websocket-version': '13' }, { endStream: true });
    return;
  }
  stream.respond({ ':status': 200 });
  let buf = Buffer.alloc(0);
  let parts = [];
  let msgOp = 0;
  let closed = false;
  const send = (op, payload) => {
    let head;
    if (payload.length < 126) head = Buffer.from([0x80 | op, payload.length]);
    else if (payload.length < 65536) { head = Buffer.alloc(4); head[0] = 0x80 | op; head[1] = 126; head.writeUInt16BE(payload.length, 2); }
    else { head = Buffer.alloc(10); head[0] = 0x80 | op; head[1] = 127; head.writeBigUInt64BE(BigInt(payload.length), 2); }
    stream.write(Buffer.concat([head, payload]));
  };
  const fail = (code) => {
    if (closed) return;
    closed = true;
    send(8, Buffer.from([code >> 8, code & 255]));
    stream.end();
  };
  stream.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    while (!closed && buf.length >= 2) {
      const fin = buf[0] & 0x80, rsv = buf[0] & 0x70, op = buf[0] & 0x0f, masked = buf[1] & 0x80;
      let len = buf[1] & 0x7f, off = 2;
      if (len === 126) { if (buf.length < 4) return; len = buf.readUInt16BE(2); off = 4; }
      else if (len === 127) { if (buf.length < 10) return; len = Number(buf.readBigUInt64BE(2)); off = 10; }
      if (buf.length < off + 4 + len) return;
      if (!masked || rsv) { fail(1002); return; }
      const key = buf.subarray(off, off + 4);
      const payload = Buffer.from(buf.subarray(off + 4, off + 4 + len));
      for (let i = 0; i < payload.length; i++) payload[i] ^= key[i & 3];
      buf = buf.subarray(off + 4 + len);
      if (op >= 8) {
        if (!fin || len > 125) { fail(1002); return; }
        if (op === 9) send(10, payload);
        else if (op === 8) { closed = true; send(8, payload.subarray(0, 2)); stream.end(); }
        else if (op !== 10) { fail(1002); return; }
        continue;
      }
      if (op === 0 && msgOp === 0 || op !== 0 && msgOp !== 0 || op > 2) { fail(1002); return; }
      if (op !== 0) msgOp = op;
      parts.push(payload);
      if (fin) {
        const msg = Buffer.concat(parts);
        parts = [];
        if (msgOp === 1 && !isUtf8(msg)) { fail(1007); return; }
        send(msgOp, msg);
        msgOp = 0;
      }
    }
  });
  stream.on('end', () => { if (!closed) { closed = true; stream.end(); } });
});
function isUtf8(b) { try { new TextDecoder('utf-8', { fatal: true }).decode(b); return true; } catch (e) { return false; } }
server.listen(0, '127.0.0.1', () => console.log('listening ' + server.address().port));
