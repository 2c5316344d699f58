// Curators: the organisations, onboarding a partner agency (create, then vet) and issuing its
// API clients. A client's secret is shown once, right after it is issued, and never again.
import {
  announce,
  clearErrors,
  definitionList,
  field,
  formatDate,
  h,
  humanise,
  loading,
  notice,
  select,
  showErrors,
  titled,
  fill,
} from "./dom.js";

const ORG_FIELDS = "id slug name kind country vetting createdAt";
const ORGANISATIONS = `query Organisations($first: Int) {
  organisations(first: $first) { totalCount edges { node { ${ORG_FIELDS} } } }
}`;
const ORGANISATION = `query Organisation($id: ID!) {
  node(id: $id) { ... on Organisation { ${ORG_FIELDS} } }
  apiClients(organisationId: $id) { clientId name scopes createdAt revokedAt officer { name } }
}`;
const OFFICERS = `query Officers($id: ID!) { officers(organisationId: $id) { id name email } }`;
const CREATE = `mutation Create($input: CreateOrganisationInput!) {
  createOrganisation(input: $input) { organisation { id name } errors { field message code } }
}`;
const VET = `mutation Vet($id: ID!) {
  vetPartner(input: { organisationId: $id }) { partner { vetting } errors { field message code } }
}`;
const ISSUE = `mutation Issue($input: CreateApiClientInput!) {
  createApiClient(input: $input) {
    apiClient { clientId name } clientSecret errors { field message code }
  }
}`;
const KINDS = ["PARTNER", "MANUFACTURER", "CURATOR", "LICENSING"];
const WITH_OFFICERS = ["CURATOR", "LICENSING"];

async function submit(form, run) {
  clearErrors(form);
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const payload = await run();
    if (payload.errors.length) showErrors(form, payload.errors);
    return payload.errors.length ? null : payload;
  } catch (error) {
    showErrors(form, [{ field: null, message: error.message }]);
    return null;
  } finally {
    button.disabled = false;
  }
}

export async function organisationsView(ctx) {
  fill(ctx.view, loading());
  const data = await ctx.api.query(ORGANISATIONS, { first: 100 });
  const orgs = data.organisations.edges.map((edge) => edge.node);
  fill(
    ctx.view,
    titled("Organisations"),
    onboardForm(ctx),
    h(
      "section",
      { class: "panel", "aria-labelledby": "orgs-title" },
      h("h2", { id: "orgs-title" }, `All organisations (${data.organisations.totalCount})`),
      h(
        "ul",
        { class: "organisations", "aria-label": "Organisations" },
        orgs.map((org) =>
          h(
            "li",
            {},
            h("a", { href: `#/organisation/${encodeURIComponent(org.id)}` }, org.name),
            ` · ${humanise(org.kind)} · ${org.country} `,
            h("span", { class: `badge status-${org.vetting.toLowerCase()}` }, humanise(org.vetting)),
          ),
        ),
      ),
    ),
  );
}

function onboardForm(ctx) {
  const kind = select(KINDS.map((k) => [k, humanise(k)]), { value: "PARTNER" });
  const name = h("input", { autocomplete: "off" });
  const slug = h("input", { autocomplete: "off", spellcheck: "false" });
  const country = h("input", { autocomplete: "off", spellcheck: "false", maxlength: "2" });
  const form = h(
    "form",
    { class: "stack", novalidate: true },
    field("Kind", kind, { name: "kind" }),
    field("Name", name, { name: "name" }),
    field("Slug", slug, { name: "slug", hint: "Lower-case letters, digits and dashes, e.g. pl-armament-agency" }),
    field("Country", country, { name: "country", hint: "ISO code, e.g. PL (UA for manufacturers)" }),
    h("button", { type: "submit", class: "button" }, "Create organisation"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = {
      kind: kind.value,
      name: name.value.trim(),
      slug: slug.value.trim(),
      country: country.value.trim().toUpperCase(),
    };
    const done = await submit(form, async () => (await ctx.api.query(CREATE, { input })).createOrganisation);
    if (!done) return;
    announce(`${done.organisation.name} created.`);
    location.hash = `#/organisation/${encodeURIComponent(done.organisation.id)}`;
  });
  return h(
    "section",
    { class: "panel", "aria-labelledby": "onboard-title" },
    h("h2", { id: "onboard-title" }, "Onboard an organisation"),
    h("p", {}, "A new partner agency starts pending: it can sign in but sees nothing until you vet it."),
    form,
  );
}

export async function organisationView(ctx, id, issued = null) {
  fill(ctx.view, loading());
  const data = await ctx.api.query(ORGANISATION, { id });
  const org = data.node;
  if (!org) {
    fill(ctx.view, titled("Organisation not found"), notice("error", "This organisation does not exist."));
    return;
  }
  const officers = WITH_OFFICERS.includes(org.kind)
    ? (await ctx.api.query(OFFICERS, { id })).officers
    : null;
  const rerender = (justIssued) => organisationView(ctx, id, justIssued);
  fill(
    ctx.view,
    h("p", {}, h("a", { href: "#/organisations" }, "← Back to the organisations")),
    titled(org.name),
    h(
      "div",
      { class: "panel status-panel" },
      definitionList([
        ["Kind", humanise(org.kind)],
        ["Slug", org.slug],
        ["Country", org.country],
        [
          "Vetting",
          h("span", { class: `badge status-${org.vetting.toLowerCase()}`, id: "org-vetting" }, humanise(org.vetting)),
        ],
        ["Onboarded", formatDate(org.createdAt)],
      ]),
      org.kind === "PARTNER" && org.vetting !== "VETTED" ? vetForm(ctx, org, rerender) : null,
    ),
    issued ? secretPanel(issued) : null,
    clientsPanel(ctx, org, data.apiClients, officers, rerender),
  );
  if (issued) document.getElementById("new-secret").focus();
}

function vetForm(ctx, org, rerender) {
  const form = h("form", { class: "inline-form" }, h("button", { type: "submit", class: "button" }, "Vet partner"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const done = await submit(form, async () => (await ctx.api.query(VET, { id: org.id })).vetPartner);
    if (!done) return;
    announce(`${org.name} is vetted.`);
    await rerender(null);
  });
  return form;
}

function clientsPanel(ctx, org, clients, officers, rerender) {
  const name = h("input", { autocomplete: "off" });
  const officer = officers
    ? select([["", "Choose the officer it acts for…"], ...officers.map((o) => [o.id, o.name])])
    : null;
  const form = h(
    "form",
    { class: "stack", novalidate: true },
    field("Client name", name, { name: "name", hint: "What the client is for, e.g. procurement system" }),
    officer ? field("Officer", officer, { name: "officerId" }) : null,
    h("button", { type: "submit", class: "button" }, "Issue API client"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = { organisationId: org.id, name: name.value.trim() };
    if (officer) input.officerId = officer.value || null;
    const done = await submit(form, async () => (await ctx.api.query(ISSUE, { input })).createApiClient);
    if (!done) return;
    announce(`API client ${done.apiClient.name} issued. Copy its secret now.`);
    await rerender({ clientId: done.apiClient.clientId, secret: done.clientSecret });
  });
  return h(
    "section",
    { class: "panel", "aria-labelledby": "clients-title" },
    h("h2", { id: "clients-title" }, "API clients"),
    clients.length
      ? h(
          "ul",
          { class: "api-clients", "aria-label": "API clients" },
          clients.map((c) =>
            h(
              "li",
              {},
              h("strong", {}, c.name),
              c.officer ? ` · for ${c.officer.name}` : "",
              ` · ${c.clientId} · issued ${formatDate(c.createdAt)}`,
              c.revokedAt ? h("span", { class: "badge status-refused" }, "Revoked") : null,
            ),
          ),
        )
      : h("p", {}, "No API clients yet."),
    form,
  );
}

// The one time the secret is on screen: after this view is left, only its hash remains.
function secretPanel(issued) {
  const secret = h("input", { id: "new-secret", readonly: true, value: issued.secret, spellcheck: "false" });
  const status = h("p", { class: "hint", role: "status" });
  const copy = h("button", { type: "button", class: "button secondary" }, "Copy secret");
  copy.addEventListener("click", async () => {
    secret.select();
    try {
      await navigator.clipboard.writeText(issued.secret);
      status.textContent = "Copied to the clipboard.";
    } catch {
      status.textContent = "Press Ctrl+C (⌘C) to copy the selected secret.";
    }
  });
  return h(
    "section",
    { class: "panel", "aria-labelledby": "secret-title" },
    h("h2", { id: "secret-title" }, "New API client"),
    notice("warning", "Copy the secret now: it will not be shown again. Only a hash of it is kept."),
    definitionList([["Client ID", h("code", { id: "new-client-id" }, issued.clientId)]]),
    field("New client secret", secret),
    copy,
    status,
  );
}
