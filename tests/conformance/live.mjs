// The graphql-ws client (graphql-transport-ws) against GRAPHQL_WS_URL: first without a token
// (the server closes with 4401), then subscribed with GRAPHQL_TOKEN in connectionParams until
// an event with status STOP_STATUS arrives, appending each event to EVENTS_FILE as it comes.
// Prints the close code and the events as JSON for tests/test_live_node.py.
import { appendFileSync } from 'node:fs';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const url = process.env.GRAPHQL_WS_URL;
const query = 'subscription { quoteRequestUpdated { id status } }';

function refusedCode() {
  return new Promise((resolve) => {
    const client = createClient({
      url, webSocketImpl: WebSocket, lazy: false, retryAttempts: 0,
      on: { closed: (event) => resolve(event.code) },
    });
    client.subscribe({ query }, { next: () => {}, error: () => {}, complete: () => {} });
  });
}

function follow() {
  const client = createClient({
    url, webSocketImpl: WebSocket, retryAttempts: 0,
    connectionParams: { Authorization: `Bearer ${process.env.GRAPHQL_TOKEN}` },
  });
  const events = [];
  return new Promise((resolve, reject) => {
    const stop = client.subscribe({ query }, {
      next: (result) => {
        events.push(result.data.quoteRequestUpdated);
        appendFileSync(process.env.EVENTS_FILE, JSON.stringify(result.data) + '\n');
        if (result.data.quoteRequestUpdated.status === process.env.STOP_STATUS) {
          stop();
          client.dispose();
          resolve(events);
        }
      },
      error: reject,
      complete: () => resolve(events),
    });
  });
}

const unauthenticated = await refusedCode();
const events = await follow();
process.stdout.write(JSON.stringify({ unauthenticated, events }));
