// The page's only way to the server: the OAuth token endpoint and /graphql, like any client.

export class ApiError extends Error {
  constructor(message, { status = 0, codes = [], unknownField = false } = {}) {
    super(message);
    this.status = status;
    this.codes = codes;
    // The server does not have this part of the API (yet): the view says so instead of failing.
    this.unknownField = unknownField;
  }
}

// RFC 6749 §2.3.1: the id and secret are form-encoded before the Basic header is built.
function basicAuth(clientId, clientSecret) {
  const encode = (value) => encodeURIComponent(value);
  return "Basic " + btoa(`${encode(clientId)}:${encode(clientSecret)}`);
}

export class Api {
  constructor() {
    this.token = null;
    this.credentials = null;
    this.onSignedOut = () => {};
  }

  async signInWithClient(clientId, clientSecret) {
    const response = await fetch("/oauth/token", {
      method: "POST",
      headers: {
        Authorization: basicAuth(clientId, clientSecret),
        "Content-Type": "application/x-www-form-urlencoded",
      },
      body: "grant_type=client_credentials",
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      const reason = body.error_description || body.error || `HTTP ${response.status}`;
      throw new ApiError(`Sign-in refused: ${reason}`, { status: response.status });
    }
    this.token = body.access_token;
    // Kept in memory only, to fetch a fresh token when this one expires.
    this.credentials = { clientId, clientSecret };
  }

  useToken(token) {
    this.token = token.trim().replace(/^Bearer\s+/i, "");
    this.credentials = null;
  }

  signOut() {
    this.token = null;
    this.credentials = null;
  }

  async query(query, variables = {}) {
    return this.answer(await this.authorised(() => this.post(query, variables)));
  }

  // One file with the GraphQL multipart request specification: `file` goes to
  // variables.input.file (the server accepts multipart for uploadDocument only).
  async upload(query, variables, file) {
    return this.answer(await this.authorised(() => this.postFile(query, variables, file)));
  }

  // A document's content (GET /documents/{id} with the token), as a Blob.
  async download(url) {
    const response = await this.authorised(() =>
      fetch(url, { headers: { Authorization: `Bearer ${this.token}` } }),
    );
    if (!response.ok) {
      throw new ApiError(`The document could not be opened (HTTP ${response.status}).`, {
        status: response.status,
      });
    }
    return response.blob();
  }

  // Sends, fetching a fresh token once when the old one expired.
  async authorised(send) {
    let response = await send();
    if (response.status === 401 && this.credentials) {
      const { clientId, clientSecret } = this.credentials;
      await this.signInWithClient(clientId, clientSecret);
      response = await send();
    }
    if (response.status === 401) {
      const message = "The access token was not accepted (it may have expired). Please sign in again.";
      this.signOut();
      this.onSignedOut(message);
      throw new ApiError(message, { status: 401, codes: ["UNAUTHENTICATED"] });
    }
    return response;
  }

  async answer(response) {
    const body = await response.json().catch(() => null);
    if (!body) {
      throw new ApiError(`The server answered HTTP ${response.status}`, { status: response.status });
    }
    if (body.errors && body.errors.length) {
      const messages = body.errors.map((e) => e.message);
      throw new ApiError(messages.join("; "), {
        status: response.status,
        codes: body.errors.map((e) => (e.extensions && e.extensions.code) || "ERROR"),
        unknownField: messages.some((m) => m.startsWith("Cannot query field")),
      });
    }
    return body.data;
  }

  postFile(query, variables, file) {
    const body = new FormData();
    body.append("operations", JSON.stringify({ query, variables }));
    body.append("map", JSON.stringify({ 0: ["variables.input.file"] }));
    body.append("0", file, file.name);
    return fetch("/graphql", {
      method: "POST",
      headers: { Authorization: `Bearer ${this.token}`, Accept: "application/json" },
      body,
    });
  }

  post(query, variables) {
    return fetch("/graphql", {
      method: "POST",
      headers: {
        Authorization: `Bearer ${this.token}`,
        "Content-Type": "application/json",
        Accept: "application/json",
      },
      body: JSON.stringify({ query, variables }),
    });
  }
}

export async function demoClients() {
  const response = await fetch("/dev/demo-clients");
  if (!response.ok) return [];
  const body = await response.json();
  return body.clients || [];
}

// An idempotency key per quote form, so a retried submission cannot create a second quote.
export function newIdempotencyKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
