// Boot: sign in, find out who we are, then show the views for the organisation's kind.
import { Api, demoClients } from "./api.js";
import { browseView } from "./browse.js";
import { curatorProductView } from "./curator.js";
import { h, humanise, notice, titled, fill } from "./dom.js";
import { caseView, casesView } from "./licensing.js";
import { makerQuotesView } from "./offers.js";
import { partnerProductView } from "./partner.js";
import { quotesView } from "./quotes.js";
import { revisionQueueView } from "./revisions.js";

const ME = `query Me { me { subject scopes organisation { slug name kind country vetting } } }`;

const ROLES = {
  PARTNER: {
    home: "#/catalogue",
    back: ["#/catalogue", "Back to the catalogue"],
    nav: [
      ["#/catalogue", "Catalogue"],
      ["#/quotes", "My quotes"],
    ],
    routes: {
      catalogue: (ctx) =>
        browseView(ctx, { title: "Catalogue", intro: "Listings released to your country." }),
      product: partnerProductView,
      quotes: quotesView,
    },
  },
  CURATOR: {
    home: "#/review",
    back: ["#/review", "Back to the review queue"],
    nav: [
      ["#/review", "Awaiting review"],
      ["#/revisions", "Proposed changes"],
      ["#/listings", "All listings"],
    ],
    routes: {
      review: (ctx) =>
        browseView(ctx, {
          title: "Awaiting review",
          status: "SUBMITTED",
          withStatus: true,
          intro: "Listings submitted by manufacturers.",
        }),
      listings: (ctx) => browseView(ctx, { title: "All listings", statusChoice: true, withStatus: true }),
      revisions: revisionQueueView,
      product: curatorProductView,
    },
  },
  MANUFACTURER: {
    home: "#/listings",
    back: ["#/listings", "Back to my listings"],
    nav: [
      ["#/listings", "My listings"],
      ["#/quotes", "Quotes"],
    ],
    routes: {
      listings: (ctx) =>
        browseView(ctx, {
          title: "My listings",
          statusChoice: true,
          withStatus: true,
          intro: "Your listings in every status, with the units still available for export.",
        }),
      product: curatorProductView,
      quotes: makerQuotesView,
    },
  },
  LICENSING: {
    home: "#/cases",
    back: ["#/catalogue", "Back to the catalogue"],
    nav: [
      ["#/cases", "Queues"],
      ["#/revisions", "Proposed changes"],
      ["#/catalogue", "Catalogue"],
    ],
    routes: {
      cases: casesView,
      case: caseView,
      revisions: revisionQueueView,
      catalogue: (ctx) => browseView(ctx, { title: "Catalogue", statusChoice: true, withStatus: true }),
      product: curatorProductView,
    },
  },
};

const api = new Api();
const ctx = { api, me: null, role: null, features: {} };
const $ = (id) => document.getElementById(id);

function showSignIn(message) {
  ctx.me = ctx.role = null;
  $("workspace").hidden = true;
  fill($("workspace"));
  $("site-nav").hidden = true;
  $("identity").hidden = true;
  $("sign-in").hidden = false;
  document.title = "Sign in — Defence export marketplace";
  const error = $("sign-in-error");
  error.hidden = !message;
  error.textContent = message || "";
  $("client-id").focus();
}

async function enter() {
  const me = (await api.query(ME)).me;
  const kind = me.organisation?.kind;
  const role = ROLES[kind];
  if (!role) {
    api.signOut();
    throw new Error(
      `This page has no views for ${kind ? humanise(kind) : "callers without an organisation"} yet.`,
    );
  }
  Object.assign(ctx, { me, role, features: {} });
  $("identity-name").textContent = me.organisation.name;
  $("identity-kind").textContent =
    humanise(kind) + (me.organisation.country ? ` · ${me.organisation.country}` : "");
  $("identity").hidden = false;
  $("sign-in").hidden = true;
  fill(
    $("site-nav"),
    h(
      "ul",
      {},
      role.nav.map(([href, label]) => h("li", {}, h("a", { href }, label))),
    ),
  );
  $("site-nav").hidden = false;
  $("workspace").hidden = false;
  if (location.hash && route(location.hash)) return;
  location.hash = role.home;
}

function route(hash) {
  const [name, ...rest] = hash.replace(/^#\//, "").split("/");
  const handler = ctx.role?.routes[name];
  if (!handler) return false;
  for (const link of $("site-nav").querySelectorAll("a")) {
    link.toggleAttribute("aria-current", link.getAttribute("href") === `#/${name}`);
    if (link.hasAttribute("aria-current")) link.setAttribute("aria-current", "page");
  }
  // Each visit renders into its own element: a slower earlier view that finishes loading
  // afterwards writes into a detached element instead of over the current one.
  const view = h("div", { class: "view" });
  fill($("workspace"), view);
  const visit = { ...ctx, view };
  Promise.resolve(handler(visit, decodeURIComponent(rest.join("/"))))
    .then(() => view.querySelector(".view-title")?.focus())
    .catch((error) => fill(view, titled("Something went wrong"), notice("error", error.message)));
  return true;
}

async function signIn(form, action) {
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  $("sign-in-error").hidden = true;
  try {
    await action();
    await enter();
    // The secret and token live on in memory only, not in the page's fields.
    $("client-secret").value = "";
    $("access-token").value = "";
    $("demo-client").value = "";
  } catch (error) {
    showSignIn(error.message);
  } finally {
    button.disabled = false;
  }
}

async function offerDemoClients() {
  const clients = await demoClients().catch(() => []);
  if (!clients.length) return;
  const picker = $("demo-client");
  for (const client of clients) picker.append(h("option", { value: client.slug }, client.slug));
  picker.addEventListener("change", () => {
    const chosen = clients.find((c) => c.slug === picker.value);
    $("client-id").value = chosen ? chosen.clientId : "";
    $("client-secret").value = chosen ? chosen.clientSecret : "";
  });
  $("demo-field").hidden = false;
}

function boot() {
  api.onSignedOut = showSignIn;
  $("client-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const id = $("client-id").value.trim();
    const secret = $("client-secret").value;
    if (!id || !secret) return showSignIn("Enter both the client ID and the client secret.");
    signIn(event.target, () => api.signInWithClient(id, secret));
  });
  $("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const token = $("access-token").value;
    if (!token.trim()) return showSignIn("Paste an access token first.");
    signIn(event.target, async () => api.useToken(token));
  });
  $("sign-out").addEventListener("click", () => {
    api.signOut();
    history.replaceState(null, "", location.pathname);
    showSignIn("");
  });
  window.addEventListener("hashchange", () => ctx.role && route(location.hash));
  offerDemoClients();
}

boot();
