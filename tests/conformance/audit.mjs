// Runs graphql-http's server audit against GRAPHQL_URL with a bearer token on every request,
// and prints the results as JSON for tests/test_http_conformance.py.
import { auditServer } from 'graphql-http';

const url = process.env.GRAPHQL_URL;
const token = process.env.GRAPHQL_TOKEN;

function withToken(input, init = {}) {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${token}`);
  return fetch(input, { ...init, headers });
}

const results = await auditServer({ url, fetchFn: withToken });
const summary = results.map(({ id, name, status, reason }) => ({ id, name, status, reason }));
process.stdout.write(JSON.stringify(summary));
