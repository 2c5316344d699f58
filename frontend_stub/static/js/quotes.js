// "My quotes": each request with its licensing status and due date, whether it is on hold and
// why, the offer that reached the partner; answering licensing's questions and withdrawing.
import { Pager, pagerControls } from "./catalogue.js";
import { DOCUMENT_FIELDS, documentsList, eucForm } from "./documents.js";
import {
  announce,
  clearErrors,
  definitionList,
  field,
  fill,
  formatDate,
  h,
  humanise,
  loading,
  notice,
  showErrors,
  titled,
} from "./dom.js";
import { gentleReload, liveUpdates, showsOtherwise } from "./live.js";

const QUOTES = `query Quotes($first: Int, $after: String) {
  quoteRequests(first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node {
      id status quantity deliveryCountry createdAt refusalReason infoRequest infoResponse
      onHold holdReason closedReason
      offer { revision unitPrice currency total validUntil }
      product { id name }
      licensingCase { queue status slaDueAt slaPaused }
      documents { ${DOCUMENT_FIELDS} }
    } }
  }
}`;
const RESULT = "quoteRequest { id status } errors { field message code }";
const ANSWER = `mutation Answer($input: AnswerInfoRequestInput!) { answerInfoRequest(input: $input) { ${RESULT} } }`;
const WITHDRAW = `mutation Withdraw($input: WithdrawQuoteInput!) { withdrawQuote(input: $input) { ${RESULT} } }`;
const UPDATES = "subscription { quoteRequestUpdated { id status onHold offer { revision } } }";
const liveKey = (q) => `${q.status}|${q.onHold}|${q.offer ? q.offer.revision : ""}`;
const EUC_OPEN = new Set(["LICENSING_REVIEW", "INFO_REQUESTED"]);
const WITHDRAWABLE = new Set(["LICENSING_REVIEW", "INFO_REQUESTED", "LICENSED", "OFFERED"]);
const PAGE = 20;

async function send(ctx, form, mutation, input, done) {
  clearErrors(form);
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const payload = Object.values(await ctx.api.query(mutation, { input }))[0];
    if (payload.errors.length) return showErrors(form, payload.errors);
    await done(payload.quoteRequest);
  } catch (error) {
    showErrors(form, [{ field: null, message: error.message }]);
  } finally {
    button.disabled = false;
  }
}

function answerForm(ctx, quote, reload) {
  const answer = h("textarea", { rows: "3" });
  const form = h(
    "form",
    { class: "stack", novalidate: true },
    field("Your answer", answer, { name: "answer" }),
    h("button", { type: "submit", class: "button" }, "Send answer"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const input = { quoteRequestId: quote.id, answer: answer.value.trim() };
    send(ctx, form, ANSWER, input, async () => {
      announce("Answer sent; licensing review resumes.");
      await reload();
    });
  });
  return form;
}

// Folded behind a disclosure so that withdrawing takes a deliberate second step.
function withdrawForm(ctx, quote, reload) {
  const reason = h("textarea", { rows: "2" });
  const form = h(
    "form",
    { class: "stack", novalidate: true },
    field("Reason (optional)", reason, { name: "reason" }),
    h("button", { type: "submit", class: "button secondary" }, "Withdraw request"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const input = { quoteRequestId: quote.id, reason: reason.value.trim() || null };
    send(ctx, form, WITHDRAW, input, async () => {
      announce("Quote request withdrawn.");
      await reload();
    });
  });
  return h("details", { class: "withdraw" }, h("summary", {}, "Withdraw this request"), form);
}

function dueText(q) {
  const licensing = q.licensingCase;
  if (q.onHold) return "paused while on hold";
  return licensing?.slaPaused ? "paused until you answer" : formatDate(licensing?.slaDueAt);
}

function quoteCard(ctx, q, reload) {
  const licensing = q.licensingCase;
  const offer = q.offer;
  return h(
    "li",
    { class: "card quote", "data-status": q.status, "data-live-id": q.id, "data-live-key": liveKey(q) },
    h("h2", { class: "card-title" }, q.product ? q.product.name : "Listing no longer available"),
    h(
      "p",
      {},
      h("span", { class: `badge status-${q.status.toLowerCase()}` }, humanise(q.status)),
      q.onHold ? h("span", { class: "badge on-hold" }, "On hold") : null,
    ),
    q.onHold ? notice("hold", `On hold: ${q.holdReason}`) : null,
    q.closedReason ? notice("refused", `Closed: ${q.closedReason}`) : null,
    definitionList([
      ["Quantity", `${q.quantity} units`],
      ["Delivery country", q.deliveryCountry],
      ["Requested", formatDate(q.createdAt)],
      ["Licensing", licensing ? humanise(licensing.status) : "—"],
      ["Queue", licensing ? humanise(licensing.queue) : "—"],
      ["Decision due", dueText(q)],
      ["Your last answer", q.infoResponse],
      [
        "Offer",
        offer
          ? `${offer.unitPrice} ${offer.currency} per unit (${offer.total} ${offer.currency} in all), valid until ${formatDate(offer.validUntil)}`
          : null,
      ],
    ]),
    q.status === "INFO_REQUESTED" ? notice("info", `Licensing asks: ${q.infoRequest}`) : null,
    q.status === "INFO_REQUESTED" ? answerForm(ctx, q, reload) : null,
    q.refusalReason ? notice("refused", `Refused: ${q.refusalReason}`) : null,
    q.documents && q.documents.length ? documentsList(ctx, q.documents, "Quote documents") : null,
    EUC_OPEN.has(q.status) && !q.documents?.some((d) => d.kind === "END_USER_CERTIFICATE")
      ? eucForm(ctx, q, reload)
      : null,
    WITHDRAWABLE.has(q.status) ? withdrawForm(ctx, q, reload) : null,
  );
}

export async function quotesView(ctx) {
  const pager = new Pager();
  const results = h("div", { class: "results" });
  async function load() {
    fill(results, loading());
    let connection;
    try {
      connection = (await ctx.api.query(QUOTES, { first: PAGE, after: pager.current })).quoteRequests;
    } catch (error) {
      const text = error.unknownField
        ? "Quote requests are not available on this server yet."
        : error.message;
      return fill(results, notice("error", text));
    }
    const cards = connection.edges.map((e) => quoteCard(ctx, e.node, load));
    fill(
      results,
      cards.length
        ? h("ul", { class: "cards", "aria-label": "Quote requests" }, cards)
        : h("p", {}, "You have not requested any quotes yet."),
      pager.pageNumber > 1 || connection.pageInfo.hasNextPage
        ? pagerControls(pager, connection.pageInfo, load)
        : null,
    );
  }
  fill(ctx.view, titled("My quotes"), results);
  await load();
  // A change of status, offer or hold shows without a reload of the page.
  const refresh = gentleReload(results, () => {
    announce("Your quotes were updated.");
    load();
  });
  liveUpdates(ctx.api, ctx.view, UPDATES, {}, {
    onEvent: (data) => {
      const q = data.quoteRequestUpdated;
      if (showsOtherwise(results, q.id, liveKey(q))) refresh();
    },
    onReconnect: refresh,
  });
}
