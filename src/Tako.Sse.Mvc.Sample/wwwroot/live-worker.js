// A SharedWorker: the ONE stream of this origin for every tab of the browser. Browsers open six HTTP/1.1
// connections per server at most, shared by all tabs of a profile; with an EventSource per tab a seventh tab
// would wait for ever. Here ten tabs hold one stream between them, and every event goes to every tab's port.
"use strict";

importScripts("live-stream.js");

const ports = new Set();
const stream = createLiveStream((message) => {
  for (const port of ports) port.postMessage(message);
});

// Tabs of one browser share its cookies, so they are one user and list the same channels; the list a tab sends
// last is the one the stream carries (a sign-in in one tab reopens it for all).
onconnect = (e) => {
  const port = e.ports[0];
  ports.add(port);
  port.onmessage = ({ data }) => {
    if (data.type === "channels") stream.open(data.channels);
    else if (data.type === "bye") {
      ports.delete(port);
      // The last tab has gone: let go of the connection at once rather than when the browser ends the worker.
      if (ports.size === 0) stream.close();
    }
  };
  port.start();
  port.postMessage(stream.status());
};
