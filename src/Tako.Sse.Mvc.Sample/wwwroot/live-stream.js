// The page's ONE stream: an EventSource on GET /live for every channel the page lists (the chat, the tiles, the
// signed-in user's notifications). live-worker.js runs it once for every tab of this browser; a tab runs it
// itself only where SharedWorker is missing (see live.js). Everything it sees goes to send(message).
"use strict";

// The event names the sample publishes on its channels; tako.gap says a channel could not be resumed.
const LIVE_EVENTS = ["chat", "tile", "notification", "tako.gap"];

// 128 random bits: an id is enough to drop its stream. getRandomValues works off localhost too, unlike randomUUID.
const newClientId = () => Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");

function createLiveStream(send) {
  const stream = {
    client: null,      // the id of the current EventSource, for POST /live/drop
    channels: [],
    state: "idle",     // "idle" | "connecting" | "open" | "reconnecting" | "closed"
    refused: null,     // { status, channels } once the server refused the list
    cursor: null,      // the id of the last event: every channel's position
    opens: 0,
  };
  let source = null;
  const retiring = new Set();  // streams of an older list, open until the new one is

  const status = () => ({
    type: "state", client: stream.client, channels: stream.channels, state: stream.state,
    refused: stream.refused, cursor: stream.cursor, opens: stream.opens,
  });
  const setState = (state) => {
    stream.state = state;
    send(status());
  };
  const query = (channels) => channels.map((c) => "channel=" + encodeURIComponent(c)).join("&");

  // Opens the stream for `channels`, or keeps the open one when the list is the same. A changed list (sign-in,
  // sign-out) is a new EventSource: it starts from the cursor, so the channels it keeps resume where they were
  // and a new one joins live. The browser's own reconnects send the newer cursor as Last-Event-ID, which wins.
  function open(channels) {
    const same = channels.length === stream.channels.length && channels.every((c, i) => c === stream.channels[i]);
    if (same && source !== null && source.readyState !== EventSource.CLOSED) {
      send(status());
      return;
    }

    // Make before break: the old stream stays open, forwarding nothing, until the new one is open, so that its
    // channels keep a subscriber on the server meanwhile. (The hub removes a channel that has neither events nor
    // subscribers, and a cursor position in a channel created again reads as a gap.)
    if (source !== null) retiring.add(source);
    stream.channels = [...channels];
    stream.refused = null;
    stream.opens++;
    // A new id for each EventSource: the server lets one id hold one stream, and the old one is still open.
    stream.client = newClientId();
    const from = stream.cursor === null ? "" : "&lastEventId=" + encodeURIComponent(stream.cursor);
    const url = `/live?${query(channels)}&client=${stream.client}${from}`;
    const current = (source = new EventSource(url));
    setState("connecting");
    const retire = () => {
      for (const old of retiring) old.close();
      retiring.clear();
    };
    current.addEventListener("open", () => {
      if (current !== source) return;
      retire();
      setState("open");
    });
    current.addEventListener("error", () => {
      if (current !== source) return;
      if (current.readyState === EventSource.CLOSED) retire();
      if (current.readyState === EventSource.CONNECTING) {
        setState("reconnecting");
        return;
      }

      // CLOSED: the server answered with a status other than 200 (or not a stream), and EventSource gives up
      // for good. It does not say which status: ask once, without the client id, and let go of the answer.
      setState("closed");
      confirmRefusal(current, channels);
    });
    for (const name of LIVE_EVENTS) {
      current.addEventListener(name, (e) => {
        if (current !== source) return;
        if (e.lastEventId) stream.cursor = e.lastEventId;
        send({ type: "event", name, data: e.data, id: e.lastEventId });
      });
    }
  }

  async function confirmRefusal(closed, channels) {
    const abort = new AbortController();
    let code = 0;
    try {
      const response = await fetch(`/live?${query(channels)}`, { signal: abort.signal, cache: "no-store" });
      code = response.status;
    } catch {
      code = 0;  // the server is gone
    } finally {
      abort.abort();
    }

    if (closed !== source) return;
    stream.refused = { status: code, channels };
    send(status());
  }

  function close() {
    for (const old of retiring) old.close();
    retiring.clear();
    source?.close();
    source = null;
    setState("closed");
  }

  return { open, close, status, get client() { return stream.client; } };
}
