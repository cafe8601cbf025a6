// The four demo cards: ticker, feed, logs and resume. They take turns on ONE stream, so that a visible tab
// holds two (this one and the chat) and a hidden tab only the chat: browsers share six HTTP/1.1 connections per
// server among all tabs of a profile, and a stream per card would leave a second tab of this page none.
"use strict";

const demos = { ticker: startTicker, feed: startFeed, logs: startLogs, resume: startResume };
let live = null;  // { name, source } of the running demo

// Starting a demo stops the running one first. In a hidden tab it only becomes the one to start on return.
function startDemo(name) {
  sample.live.wanted = name;
  if (document.visibilityState !== "hidden") {
    stopDemo();
    sample.live.starts[name]++;
    live = { name, source: demos[name]() };
    sample.live.running = name;
  }
  renderLive();
}

function stopDemo() {
  if (live === null) return;
  letGo(live.name, live.source);
  live = null;
  sample.live.running = null;
}

// A hidden tab lets go of its demo stream, so that other tabs of this browser keep connections for the chat;
// the chat itself stays open, so that a message reaches every tab. Back in view, the demo starts again.
function onVisibilityChange() {
  keep(sample.visibility, document.visibilityState, 50);
  if (document.visibilityState === "hidden") {
    if (live !== null) {
      sample.live.hiddenStops++;
      stopDemo();
    }
    renderLive();
  } else if (live === null && sample.live.wanted !== null) {
    startDemo(sample.live.wanted);
  }
}

function renderLive() {
  const { running, wanted } = sample.live;
  for (const name of Object.keys(demos)) {
    const button = $(`${name}-start`);
    button.disabled = running === name;
    button.textContent = running === name ? "Running" : "Start";
    $(name).classList.toggle("paused", running !== name);
    $(`${name}-live`).textContent = running === name
      ? "live: this card holds the page's one demo stream"
      : wanted === name
        ? "paused while this tab is hidden; it starts again when you come back"
        : `paused: one demo card runs at a time${running ? ` (now ${running})` : ""}`;
  }
  $("resume-drop").disabled = running !== "resume";
}

function initDemos() {
  for (const name of Object.keys(demos)) {
    setState(name, "idle");
    $(`${name}-start`).addEventListener("click", () => startDemo(name));
  }
  $("resume-drop").addEventListener("click", dropResume);
  document.addEventListener("visibilitychange", onVisibilityChange);
  keep(sample.visibility, document.visibilityState, 50);
  // The ticker first, so that the page shows life at once (in a hidden tab: once it is shown).
  startDemo("ticker");
}

// --- Ticker: the raw path, messages only ---------------------------------------------------------------
function startTicker() {
  const t = (sample.ticker = { count: 0, messages: [], stray: [] });
  renderTicker("\u2013");
  const source = watch("ticker", new EventSource("/events"), true);
  source.onmessage = (e) => {
    t.count++;
    keep(t.messages, e.data, 100);
    if (!/^tick: \d+$/.test(e.data)) keep(t.stray, e.data, 50);
    renderTicker(e.data);
  };
  return source;
}

function renderTicker(value) {
  $("ticker-value").textContent = value;
  $("ticker-count").textContent = sample.ticker.count;
  $("ticker-stray").textContent = sample.ticker.stray.length;
}

// --- Feed: named events with ids -----------------------------------------------------------------------
function startFeed() {
  sample.feed.events = [];
  renderFeed();
  const source = watch("feed", new EventSource("/feed"), true);
  const record = (e) => {
    keep(sample.feed.events, { type: e.type, id: e.lastEventId, data: e.data }, 200);
    renderFeed();
  };
  source.onmessage = record;
  source.addEventListener("price", record);
  source.addEventListener("news", record);
  return source;
}

function renderFeed() {
  const events = sample.feed.events;
  $("feed-rows").replaceChildren(...events.slice(-6).reverse().map((e) => {
    const row = document.createElement("tr");
    row.className = `event-${e.type}`;
    for (const text of [e.type, e.id || "\u2013", e.data]) {
      const cell = document.createElement("td");
      cell.textContent = text;
      row.append(cell);
    }
    return row;
  }));
  const counts = {};
  for (const e of events) counts[e.type] = (counts[e.type] ?? 0) + 1;
  $("feed-counts").textContent = events.length === 0
    ? "waiting for events"
    : Object.entries(counts).map(([type, n]) => `${type} \u00d7 ${n}`).join(" \u00b7 ");
}

// --- Logs: JSON events -----------------------------------------------------------------------------------
function startLogs() {
  const source = watch("logs", new EventSource("/logs"), true);
  source.addEventListener("log", (e) => {
    const entry = JSON.parse(e.data);
    sample.logs.count++;
    const line = document.createElement("li");
    line.className = `level-${entry.level.toLowerCase()}`;
    const time = new Date(entry.time).toLocaleTimeString([], { hour12: false });
    const category = entry.category.split(".").pop();
    line.textContent = `${time}  ${entry.level.slice(0, 4).toUpperCase()}  ${category}: ${entry.message}`;
    const pane = $("log-pane");
    const atBottom = pane.scrollTop + pane.clientHeight >= pane.scrollHeight - 4;
    pane.append(line);
    while (pane.children.length > 200) pane.firstElementChild.remove();
    if (atBottom) pane.scrollTop = pane.scrollHeight;
  });
  return source;
}

// --- Resume: Last-Event-ID across a dropped connection -------------------------------------------------
// Each start is a new client with a stream from 1; a drop keeps the stream, and the browser resumes it.
function startResume() {
  const r = sample.resume;
  Object.assign(r, { numbers: [], last: null, gaps: 0, duplicates: 0, resumedAfter: [] });
  // 128 random bits: an id is enough to drop its stream. getRandomValues works off localhost too, unlike randomUUID.
  r.client = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
  $("resume-numbers").replaceChildren();
  $("resume-status").textContent = "";
  renderResume();
  const source = watch("resume", new EventSource(`/resume?client=${r.client}`), true);
  source.onmessage = (e) => {
    const n = Number(e.data);
    if (r.last !== null && n <= r.last) r.duplicates++;
    else if (n !== (r.last ?? 0) + 1) r.gaps += n - ((r.last ?? 0) + 1);
    r.last = Math.max(n, r.last ?? 0);
    keep(r.numbers, n, 1000);
    addChip(String(n), e.lastEventId === e.data ? "" : "bad");
    renderResume();
  };
  source.addEventListener("resumed", (e) => {
    r.resumedAfter.push(Number(e.data));
    addChip(`\u21bb Last-Event-ID: ${e.data}`, "marker");
    $("resume-status").textContent = `reconnected; the browser sent Last-Event-ID ${e.data}`;
    renderResume();
  });
  return source;
}

async function dropResume() {
  const r = sample.resume;
  $("resume-status").textContent = "dropping\u2026";
  const response = await post(`/resume/drop?client=${r.client}`);
  if (response.ok) r.drops++;
  $("resume-status").textContent = response.ok ? "dropped; waiting for the browser to reconnect" : "no open stream to drop";
}

function addChip(text, kind) {
  const chip = document.createElement("span");
  chip.className = `chip ${kind}`;
  chip.textContent = text;
  const strip = $("resume-numbers");
  strip.append(chip);
  while (strip.children.length > 40) strip.firstElementChild.remove();
}

function renderResume() {
  const r = sample.resume;
  $("resume-last").textContent = r.last ?? "\u2013";
  $("resume-gaps").textContent = r.gaps;
  $("resume-duplicates").textContent = r.duplicates;
  $("resume-reconnects").textContent = r.resumedAfter.length;
}
