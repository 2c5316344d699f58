// Licensing officers: the review queues, a case with its routing explanation, decisions.
import { Pager, pagerControls } from "./catalogue.js";
import { DOCUMENT_FIELDS, documentsList } from "./documents.js";
import {
  announce,
  clearErrors,
  definitionList,
  field,
  formatDate,
  formatMoney,
  h,
  humanise,
  loading,
  notice,
  select,
  showErrors,
  titled,
  fill,
} from "./dom.js";
import { gentleReload, liveUpdates, showsOtherwise } from "./live.js";

const CASE_UPDATES = "subscription { licensingCaseUpdated { id status } }";
const STATUSES = ["OPEN", "INFO_REQUESTED", "ON_HOLD", "APPROVED", "REFUSED", "CLOSED"];
const CASE_FIELDS = `id queue flags status slaDueAt approvalsRequired holdCauses heldFrom
  quoteRequest { quantity deliveryCountry product { name } partner { name country } }`;
const ROUTING_FIELDS = `queue queueReason ruleSetVersion valueEur slaWorkingDays approvalsRequired
  requiresDocuments explanation { ruleId ruleName tier matched failedCondition }`;

// What each cause means, for officers: why the case is held and what lifts it.
const CAUSES = {
  RELEASE_REVOKED:
    "The product is no longer released to the partner's country (revoked, or the release expired). Releasing it again resumes the case.",
  PRODUCT_SUSPENDED: "The listing is suspended. Publishing it again resumes the case.",
  PRODUCT_WITHDRAWN: "The manufacturer withdrew the listing: the quote is closed for good.",
  PARTNER_SUSPENDED: "The partner organisation is not vetted. Vetting it again resumes the case.",
  EMBARGOED: "An arms embargo applies to the partner's or the delivery country.",
  NOT_A_PARTNER_COUNTRY:
    "The partner's or the delivery country is not on the programme's partner-country list.",
  NOT_VISIBLE: "The partner can no longer see the product.",
  EXPORT_CENTRE_UNAVAILABLE:
    "The export centre this delivery goes through no longer delivers (closed, or DELIVERY dropped). Reopening it resumes the case.",
  DOMESTIC_PRIORITY:
    "An export freeze covers the product: Ukraine's armed forces need it. Lifting the freeze resumes the case.",
};

const CASES = `query Cases($queue: String, $status: CaseStatus, $first: Int, $after: String) {
  licensingCases(queue: $queue, status: $status, first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node { ${CASE_FIELDS} } }
  }
}`;
const QUEUES = `query Queues { routingRules { queue } }`;
const CASE = `query Case($id: ID!) {
  node(id: $id) { ... on LicensingCase {
    ${CASE_FIELDS}
    slaPaused reviewRound
    routing { ${ROUTING_FIELDS} }
    routingHistory { queue queueReason ruleSetVersion valueEur slaWorkingDays }
    decisions { decision officer reason createdAt }
    quoteRequest {
      endUser endUse coProduction requiredBy notes infoResponse licensedValue licensedCurrency
      documents { ${DOCUMENT_FIELDS} }
      offers { revision unitPrice currency total pendingReview }
    }
  } }
}`;
const DECIDE = `mutation Decide($input: DecideCaseInput!) {
  decideCase(input: $input) { licensingCase { id status } errors { field message code } }
}`;

const unavailable = "Licensing cases are not available on this server yet.";

async function queueNames(ctx) {
  try {
    const rules = (await ctx.api.query(QUEUES)).routingRules;
    return [...new Set(["TRIAGE", ...rules.map((r) => r.queue)])].sort();
  } catch {
    return ["TRIAGE"];
  }
}

function caseTitle(c) {
  const quote = c.quoteRequest;
  if (!quote) return `${humanise(c.queue)} case`;
  return `${quote.product ? quote.product.name : "Withdrawn listing"} for ${quote.partner.name}`;
}

function caseCard(c) {
  const quote = c.quoteRequest;
  return h(
    "li",
    { class: "card", "data-live-id": c.id, "data-live-key": c.status },
    h("h2", { class: "card-title" }, h("a", { href: `#/case/${encodeURIComponent(c.id)}` }, caseTitle(c))),
    h(
      "p",
      {},
      h("span", { class: `badge status-${c.status.toLowerCase()}` }, humanise(c.status)),
      c.flags.map((flag) => h("span", { class: "badge flag" }, humanise(flag))),
    ),
    c.status === "ON_HOLD"
      ? h("p", { class: "muted" }, `Held (was ${humanise(c.heldFrom)}): ${c.holdCauses.map(humanise).join(", ")}`)
      : null,
    definitionList([
      ["Queue", humanise(c.queue)],
      ["Quantity", quote ? `${quote.quantity} units` : null],
      ["Delivery to", quote ? quote.deliveryCountry : null],
      ["Decision due", formatDate(c.slaDueAt)],
      ["Approvals required", String(c.approvalsRequired)],
    ]),
  );
}

function decisionsList(decisions) {
  if (!decisions.length) return h("p", {}, "No decisions yet.");
  return h(
    "ol",
    { class: "decisions" },
    decisions.map((d) =>
      h(
        "li",
        {},
        h("strong", {}, humanise(d.decision)),
        ` by ${d.officer} on ${formatDate(d.createdAt)}: ${d.reason}`,
      ),
    ),
  );
}

export async function casesView(ctx) {
  fill(ctx.view, titled("Licensing queues"), loading());
  const queue = select([["", "All queues"], ...(await queueNames(ctx)).map((q) => [q, humanise(q)])], {
    id: "case-queue",
  });
  const status = select([["", "Any status"], ...STATUSES.map((s) => [s, humanise(s)])], {
    id: "case-status",
    value: "OPEN",
  });
  const results = h("div", { class: "results" });
  const pager = new Pager();
  async function load() {
    fill(results, loading());
    const variables = {
      queue: queue.value || null,
      status: status.value || null,
      first: 20,
      after: pager.current,
    };
    try {
      const connection = (await ctx.api.query(CASES, variables)).licensingCases;
      const cards = connection.edges.map((e) => caseCard(e.node));
      announce(`${cards.length} cases shown`);
      fill(
        results,
        cards.length
          ? h("ul", { class: "cards", "aria-label": "Cases" }, cards)
          : h("p", {}, "No cases in this queue."),
        pagerControls(pager, connection.pageInfo, load),
      );
    } catch (error) {
      fill(results, notice("error", error.unknownField ? unavailable : error.message));
    }
  }
  const restart = () => (pager.reset(), load());
  queue.addEventListener("change", restart);
  status.addEventListener("change", restart);
  // New and changed cases show without a reload of the page.
  const refresh = gentleReload(results, load);
  liveUpdates(ctx.api, ctx.view, CASE_UPDATES, {}, {
    onEvent: (data) => {
      const c = data.licensingCaseUpdated;
      if (showsOtherwise(results, c.id, c.status)) refresh();
    },
    onReconnect: refresh,
  });
  fill(
    ctx.view,
    titled("Licensing queues"),
    h(
      "form",
      { class: "filters filter-grid", "aria-label": "Choose a queue", onSubmit: (e) => e.preventDefault() },
      field("Queue", queue),
      field("Status", status),
    ),
    results,
  );
  load();
}

function holdPanel(c) {
  if (c.status !== "ON_HOLD" && !(c.status === "CLOSED" && c.holdCauses.length)) return null;
  const held = c.status === "ON_HOLD";
  return h(
    "section",
    { class: "notice hold", role: "region", "aria-label": held ? "Why the case is on hold" : "Why the case closed" },
    h(
      "strong",
      {},
      held
        ? `On hold since an export-control cause appeared; it returns to ${humanise(c.heldFrom)} when lifted. Only a refusal is possible meanwhile.`
        : "Closed with its listing.",
    ),
    h(
      "ul",
      { class: "causes" },
      c.holdCauses.map((cause) => h("li", {}, h("strong", {}, humanise(cause)), ": ", CAUSES[cause] || cause)),
    ),
  );
}

function historyList(history) {
  if (history.length < 2) return null;
  return h(
    "section",
    { class: "panel", "aria-labelledby": "history-title" },
    h("h2", { id: "history-title" }, "Routing history"),
    h(
      "ol",
      { class: "decisions" },
      history.map((r, index) =>
        h(
          "li",
          {},
          h("strong", {}, humanise(r.queue)),
          ` — ${index === 0 ? "at request" : "offer review"}, value ${r.valueEur ? formatMoney(r.valueEur) : "unknown"}, `,
          `${r.slaWorkingDays} working days, rule set ${r.ruleSetVersion}: ${r.queueReason}`,
        ),
      ),
    ),
  );
}

function offersList(quote) {
  const offers = quote?.offers || [];
  if (!offers.length) return null;
  return h(
    "section",
    { class: "panel", "aria-labelledby": "offers-title" },
    h("h2", { id: "offers-title" }, "Offers"),
    h(
      "ol",
      { class: "decisions" },
      offers.map((o) =>
        h(
          "li",
          {},
          `Revision ${o.revision}: ${o.unitPrice} ${o.currency} per unit, ${o.total} ${o.currency} in all`,
          o.pendingReview ? " — waiting for licensing review" : "",
        ),
      ),
    ),
  );
}

function explanationTable(routing) {
  return h(
    "div",
    { class: "table-scroll", tabindex: "0", role: "region", "aria-label": "Routing explanation" },
    h(
      "table",
      {},
      h(
        "caption",
        {},
        `Routing: ${humanise(routing.queue)} queue (rule set version ${routing.ruleSetVersion}) — ${routing.queueReason}`,
      ),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ["Rule", "Tier", "Matched", "Why not"].map((t) => h("th", { scope: "col" }, t)),
        ),
      ),
      h(
        "tbody",
        {},
        routing.explanation.map((r) =>
          h(
            "tr",
            { class: r.matched ? "matched" : "" },
            h("th", { scope: "row" }, r.ruleName),
            h("td", { "data-label": "Tier" }, String(r.tier)),
            h("td", { "data-label": "Matched" }, r.matched ? "Yes" : "No"),
            h("td", { "data-label": "Why not" }, r.failedCondition || "—"),
          ),
        ),
      ),
    ),
  );
}

function decideForm(ctx, licensingCase, rerender) {
  // No decision is preselected: approving must be a deliberate choice. A held case can only be
  // refused until its causes are lifted.
  const choices =
    licensingCase.status === "ON_HOLD"
      ? [["REFUSE", "Refuse"]]
      : [
          ["APPROVE", "Approve"],
          ["REFUSE", "Refuse"],
          ["REQUEST_INFO", "Request information"],
        ];
  const decision = select([["", "Choose a decision…"], ...choices]);
  const reason = h("textarea", { rows: "3", required: true });
  const form = h(
    "form",
    { class: "stack panel", novalidate: true, "aria-labelledby": "decide-title" },
    h("h2", { id: "decide-title" }, "Decide"),
    field("Decision", decision, { name: "decision" }),
    field("Reason", reason, { name: "reason", hint: "Recorded in the audit log." }),
    h("button", { type: "submit", class: "button" }, "Record decision"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    if (!decision.value) return showErrors(form, [{ field: "decision", message: "Choose a decision." }]);
    const input = { caseId: licensingCase.id, decision: decision.value, reason: reason.value.trim() };
    try {
      const payload = (await ctx.api.query(DECIDE, { input })).decideCase;
      if (payload.errors.length) return showErrors(form, payload.errors);
      announce(`Decision recorded: the case is ${humanise(payload.licensingCase.status)}.`);
      await rerender();
    } catch (error) {
      showErrors(form, [{ field: null, message: error.message }]);
    }
  });
  return form;
}

function documentsPanel(ctx, c) {
  const quote = c.quoteRequest;
  if (!quote) return null;
  const required = c.routing.requiresDocuments || [];
  const missing = c.flags.includes("DOCUMENT_MISSING");
  return h(
    "section",
    { class: "panel", "aria-labelledby": "documents-title" },
    h("h2", { id: "documents-title" }, "Documents"),
    required.length
      ? h("p", {}, `The routing requires: ${required.map(humanise).join(", ")}.`)
      : null,
    missing ? notice("hold", "A required document is missing: approval waits until it is attached.") : null,
    documentsList(ctx, quote.documents || [], "Case documents"),
  );
}

function quotePanel(quote) {
  if (!quote) return null;
  return h(
    "section",
    { class: "panel", "aria-labelledby": "request-title" },
    h("h2", { id: "request-title" }, "The request"),
    definitionList([
      ["Partner", `${quote.partner.name} (${quote.partner.country})`],
      ["Product", quote.product ? quote.product.name : "no longer visible"],
      ["Quantity", `${quote.quantity} units`],
      ["Delivery country", quote.deliveryCountry],
      ["End user", quote.endUser],
      ["End use", quote.endUse],
      ["Co-production", quote.coProduction ? "requested" : "no"],
      ["Required by", quote.requiredBy ? formatDate(quote.requiredBy) : null],
      ["Licensed value", quote.licensedValue ? `${quote.licensedValue} ${quote.licensedCurrency}` : "unknown (no price)"],
      ["Partner's notes", quote.notes],
      ["Partner's answer", quote.infoResponse],
    ]),
  );
}

export async function caseView(ctx, id) {
  fill(ctx.view, loading());
  let found;
  try {
    found = (await ctx.api.query(CASE, { id })).node;
  } catch (error) {
    fill(ctx.view, titled("Case"), notice("error", error.unknownField ? unavailable : error.message));
    return;
  }
  if (!found || !found.routing) {
    fill(ctx.view, titled("Case not found"), notice("error", "This case does not exist."));
    return;
  }
  fill(
    ctx.view,
    h("p", {}, h("a", { href: "#/cases" }, "← Back to the queues")),
    titled(caseTitle(found)),
    h(
      "div",
      { class: "panel" },
      definitionList([
        [
          "Status",
          h(
            "span",
            { class: `badge status-${found.status.toLowerCase()}`, id: "case-status-badge" },
            humanise(found.status),
          ),
        ],
        ["Queue", humanise(found.queue)],
        ["Flags", found.flags.length ? found.flags.map(humanise).join(", ") : "none"],
        [
          "Decision due",
          found.slaPaused
            ? found.status === "ON_HOLD"
              ? "paused while the case is on hold"
              : "paused while information is requested"
            : formatDate(found.slaDueAt),
        ],
        ["Approvals required", String(found.approvalsRequired)],
        ["Review", found.reviewRound > 1 ? `round ${found.reviewRound} (offer review)` : null],
      ]),
    ),
    holdPanel(found),
    quotePanel(found.quoteRequest),
    documentsPanel(ctx, found),
    offersList(found.quoteRequest),
    explanationTable(found.routing),
    historyList(found.routingHistory),
    h(
      "section",
      { class: "panel", "aria-labelledby": "decisions-title" },
      h("h2", { id: "decisions-title" }, "Decisions"),
      decisionsList(found.decisions),
    ),
    ["OPEN", "ON_HOLD"].includes(found.status) ? decideForm(ctx, found, () => caseView(ctx, id)) : null,
  );
}
