// Opens an EventSource on the URL given, prints one line per thing that happens, and exits 0 after the second
// message: "open", "message <lastEventId> <data>", "error <readyState>", then "state <readyState>".
import { EventSource } from 'eventsource';

const source = new EventSource(process.argv[2]);
let messages = 0;
source.onopen = () => console.log('open');
source.onerror = () => console.log(`error ${source.readyState}`);
source.onmessage = (event) => {
  console.log(`message ${event.lastEventId} ${event.data}`);
  if (++messages === 2) {
    console.log(`state ${source.readyState}`);
    source.close();
    process.exit(0);
  }
};
setTimeout(() => {
  console.log(`gave up in state ${source.readyState}`);
  process.exit(1);
}, 30000);
