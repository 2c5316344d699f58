// Revisions of published listings: the manufacturer proposes an edit and sees it pending until
// a curator, comparing each field's published and proposed value, approves or rejects it.
// Licensing officers read the same comparison. Partners never see any of it.
import { announce, clearErrors, field, formatDate, h, humanise, loading, notice, showErrors, titled, fill } from "./dom.js";

export const REVISION_FIELDS = `
  pendingRevision { id status requiresLicensingReview createdAt changes { field before after } }
  revisions { id status note decidedAt }`;

const RESULT = `errors { field message code }`;
const MUTATIONS = {
  update: `mutation($input: UpdateProductInput!) { updateProduct(input: $input) { product { id } ${RESULT} } }`,
  approve: `mutation($input: RevisionIdInput!) { approveRevision(input: $input) { revision { id } ${RESULT} } }`,
  reject: `mutation($input: RejectRevisionInput!) { rejectRevision(input: $input) { revision { id } ${RESULT} } }`,
  reopen: `mutation($input: ProductIdInput!) { reopenProduct(input: $input) { product { id } ${RESULT} } }`,
};

const QUEUE = `query RevisionQueue {
  productRevisions(first: 50) {
    totalCount
    edges { node { id createdAt requiresLicensingReview changes { field }
      product { id name manufacturer { name } } } }
  }
}`;

const LABELS = {
  name: "Name",
  summary: "Summary",
  description: "Description",
  leadTimeDays: "Lead time (days)",
  controlEntry: "Control list entry",
  category: "Category",
  techTransfer: "Technology transfer",
  specs: "Specifications",
  combatRecord: "Combat record",
};
// The fields the edit form offers, as [field, label, control kind].
const EDITABLE = [
  ["name", "Name", "input"],
  ["summary", "Summary", "input"],
  ["description", "Description", "textarea"],
  ["leadTimeDays", "Lead time (days)", "number"],
];
const REVIEWED = ["PUBLISHED", "SUSPENDED"];

function shown(value) {
  if (value === null || value === undefined || value === "") return "—";
  if (typeof value === "object") {
    return Object.entries(value)
      .filter(([, v]) => v !== null && !(Array.isArray(v) && !v.length))
      .map(([k, v]) => `${humanise(k)}: ${Array.isArray(v) ? v.join(", ") : v}`)
      .join("; ");
  }
  return humanise(value);
}

async function mutate(ctx, form, name, input, done) {
  clearErrors(form);
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const payload = Object.values(await ctx.api.query(MUTATIONS[name], { input }))[0];
    if (payload.errors.length) {
      showErrors(form, payload.errors);
      return;
    }
    await done();
  } catch (error) {
    showErrors(form, [{ field: null, message: error.message }]);
  } finally {
    button.disabled = false;
  }
}

function comparison(revision) {
  return h(
    "div",
    { class: "table-scroll" },
    h(
      "table",
      { id: "revision-changes" },
      h("caption", {}, "Published and proposed values"),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Field"), h("th", { scope: "col" }, "Published"), h("th", { scope: "col" }, "Proposed"))),
      h(
        "tbody",
        {},
        revision.changes.map((c) =>
          h("tr", {}, h("th", { scope: "row" }, LABELS[c.field] || c.field), h("td", {}, shown(c.before)), h("td", {}, shown(c.after))),
        ),
      ),
    ),
  );
}

function decisionForms(ctx, product, revision, rerender) {
  const approve = h("form", { class: "inline-form" }, h("button", { type: "submit", class: "button" }, "Approve changes"));
  approve.addEventListener("submit", (event) => {
    event.preventDefault();
    mutate(ctx, approve, "approve", { revisionId: revision.id }, async () => {
      announce(`The changes to ${product.name} are live.`);
      await rerender();
    });
  });
  const note = h("textarea", { rows: "3" });
  const reject = h(
    "form",
    { class: "stack", novalidate: true },
    field("Why are the changes rejected?", note, { name: "note" }),
    h("button", { type: "submit", class: "button secondary" }, "Reject changes"),
  );
  reject.addEventListener("submit", (event) => {
    event.preventDefault();
    mutate(ctx, reject, "reject", { revisionId: revision.id, note: note.value.trim() }, async () => {
      announce(`The changes to ${product.name} are rejected.`);
      await rerender();
    });
  });
  return h("div", { class: "review-actions" }, approve, reject);
}

function editForm(ctx, product, rerender) {
  const proposed = Object.fromEntries((product.pendingRevision?.changes || []).map((c) => [c.field, c.after]));
  const controls = {};
  const fields = EDITABLE.map(([name, label, kind]) => {
    const value = name in proposed ? proposed[name] : product[name];
    const control =
      kind === "textarea"
        ? h("textarea", { rows: "4" })
        : h("input", { type: kind === "number" ? "number" : "text", min: kind === "number" ? "0" : null });
    control.value = value ?? "";
    controls[name] = control;
    return field(label, control, { name });
  });
  const reviewed = REVIEWED.includes(product.status);
  const form = h(
    "form",
    { class: "stack", novalidate: true, id: "edit-listing" },
    fields,
    h("button", { type: "submit", class: "button" }, reviewed ? "Propose changes" : "Save changes"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const days = controls.leadTimeDays.value.trim();
    const input = {
      productId: product.id,
      name: controls.name.value.trim(),
      summary: controls.summary.value.trim(),
      description: controls.description.value.trim() || null,
      leadTimeDays: days === "" ? null : Number.parseInt(days, 10),
    };
    mutate(ctx, form, "update", input, async () => {
      announce(reviewed ? "Your changes await a curator's review." : "Listing saved.");
      await rerender();
    });
  });
  return h(
    "section",
    { class: "panel", "aria-labelledby": "edit-title" },
    h("h2", { id: "edit-title" }, reviewed ? "Propose changes" : "Edit listing"),
    reviewed
      ? h("p", { class: "hint" }, "Partners keep seeing the published listing until a curator approves your changes.")
      : null,
    form,
  );
}

function reopenForm(ctx, product, rerender) {
  const form = h("form", { class: "inline-form" }, h("button", { type: "submit", class: "button" }, "Reopen as draft"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    mutate(ctx, form, "reopen", { productId: product.id }, async () => {
      announce(`${product.name} is a draft again.`);
      await rerender();
    });
  });
  return h("section", { class: "panel" }, h("p", {}, "This listing is withdrawn. Reopen it to edit and submit it again."), form);
}

// The panels of a listing's page about revisions, for whoever may see them.
export function revisionPanels(ctx, product, rerender) {
  const scopes = ctx.me.scopes;
  const revision = product.pendingRevision;
  const last = (product.revisions || []).find((r) => r.status !== "PENDING" && r.status !== "SUPERSEDED");
  const panels = [];
  if (revision) {
    panels.push(
      h(
        "section",
        { class: "panel", "aria-labelledby": "revision-title", id: "pending-revision" },
        h("h2", { id: "revision-title" }, "Proposed changes"),
        h("p", {}, h("span", { class: "badge flag" }, "Pending review"), ` since ${formatDate(revision.createdAt)}`),
        revision.requiresLicensingReview
          ? notice("info", "These changes affect how quotes are routed: licensing officers review them too.")
          : null,
        comparison(revision),
        scopes.includes("catalog:curate") ? decisionForms(ctx, product, revision, rerender) : null,
      ),
    );
  }
  if (scopes.includes("products:write") && last && last.status === "REJECTED" && !revision) {
    panels.push(notice("hold", `Your last proposed changes were rejected on ${formatDate(last.decidedAt)}: ${last.note}`));
  }
  if (scopes.includes("products:write")) {
    panels.push(product.status === "WITHDRAWN" ? reopenForm(ctx, product, rerender) : editForm(ctx, product, rerender));
  }
  return panels;
}

// Curators and licensing officers: every listing with changes awaiting review, oldest first.
export async function revisionQueueView(ctx) {
  fill(ctx.view, loading());
  const queue = (await ctx.api.query(QUEUE)).productRevisions;
  const items = queue.edges.map(({ node }) =>
    h(
      "li",
      { class: "card" },
      h("h2", { class: "card-title" }, h("a", { href: `#/product/${encodeURIComponent(node.product.id)}` }, node.product.name)),
      h(
        "p",
        { class: "muted" },
        `${node.product.manufacturer.name} · proposed ${formatDate(node.createdAt)} · `,
        node.changes.map((c) => LABELS[c.field] || c.field).join(", "),
      ),
      node.requiresLicensingReview ? h("p", {}, h("span", { class: "badge flag" }, "Licensing review")) : null,
    ),
  );
  fill(
    ctx.view,
    titled("Changes awaiting review"),
    h("p", {}, "Changes manufacturers proposed to published listings. Partners see them once approved."),
    items.length
      ? h("ul", { class: "cards", "aria-label": "Proposed changes" }, items)
      : h("p", {}, "Nothing awaits review."),
  );
}
