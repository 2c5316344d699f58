// Manufacturers: the quotes for their products, the licence each one holds (its value), every
// offer revision, and the form that makes or revises an offer once a licence is granted.
import { Pager, pagerControls } from "./catalogue.js";
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

const QUOTES = `query MakerQuotes($first: Int, $after: String) {
  quoteRequests(first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node {
      id status quantity deliveryCountry createdAt onHold holdReason closedReason
      licensedValue licensedCurrency
      product { id name }
      partner { name country }
      offers { revision unitPrice currency total pendingReview createdAt }
    } }
  }
}`;
const RESPOND = `mutation Respond($input: RespondToQuoteInput!) {
  respondToQuote(input: $input) {
    quoteRequest { id status offer { revision pendingReview } }
    errors { field message code }
  }
}`;
const OFFERABLE = new Set(["LICENSED", "OFFERED"]);
const PAGE = 20;

function offerHistory(offers) {
  if (!offers.length) return null;
  return h(
    "ol",
    { class: "decisions", "aria-label": "Offer revisions" },
    offers.map((o) =>
      h(
        "li",
        {},
        `Revision ${o.revision}: ${o.unitPrice} ${o.currency} per unit, ${o.total} ${o.currency} in all`,
        o.pendingReview ? " — above the licensed value, waiting for licensing review" : "",
      ),
    ),
  );
}

function offerForm(ctx, quote, reload) {
  const controls = {
    unitPrice: h("input", { inputmode: "decimal", autocomplete: "off" }),
    currency: h("input", { value: quote.licensedCurrency || "EUR", maxlength: "3", spellcheck: "false" }),
    leadTimeDays: h("input", { type: "number", min: "0", inputmode: "numeric" }),
    validUntil: h("input", { type: "date" }),
  };
  const form = h(
    "form",
    { class: "stack", novalidate: true },
    field("Unit price", controls.unitPrice, {
      name: "unitPrice",
      hint: "An offer above the licensed value goes back to licensing review before the partner sees it.",
    }),
    field("Currency", controls.currency, { name: "currency", hint: "ISO 4217 code, e.g. EUR" }),
    field("Lead time (days)", controls.leadTimeDays, { name: "leadTimeDays" }),
    field("Valid until", controls.validUntil, { name: "validUntil" }),
    h("button", { type: "submit", class: "button" }, quote.offers.length ? "Revise offer" : "Make offer"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const input = {
      quoteRequestId: quote.id,
      unitPrice: controls.unitPrice.value.trim(),
      currency: controls.currency.value.trim(),
      leadTimeDays: Number(controls.leadTimeDays.value),
      validUntil: controls.validUntil.value || null,
    };
    if (!input.unitPrice || !input.validUntil || !controls.leadTimeDays.value) {
      return showErrors(form, [{ field: null, message: "Fill in the price, lead time and validity." }]);
    }
    try {
      const payload = (await ctx.api.query(RESPOND, { input })).respondToQuote;
      if (payload.errors.length) return showErrors(form, payload.errors);
      const pending = payload.quoteRequest.offer?.pendingReview;
      announce(pending ? "Offer sent to licensing review." : "Offer sent to the partner.");
      await reload();
    } catch (error) {
      showErrors(form, [{ field: null, message: error.message }]);
    }
  });
  return h("details", { class: "withdraw" }, h("summary", {}, "Make or revise the offer"), form);
}

function quoteCard(ctx, q, reload) {
  return h(
    "li",
    { class: "card quote", "data-status": q.status },
    h("h2", { class: "card-title" }, `${q.product ? q.product.name : "Withdrawn listing"} for ${q.partner.name}`),
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
      [
        "Licensed value",
        q.licensedValue ? `${q.licensedValue} ${q.licensedCurrency}` : "unknown (reviewed without a price)",
      ],
    ]),
    offerHistory(q.offers),
    OFFERABLE.has(q.status) && !q.onHold ? offerForm(ctx, q, reload) : null,
  );
}

export async function makerQuotesView(ctx) {
  const pager = new Pager();
  const results = h("div", { class: "results" });
  async function load() {
    fill(results, loading());
    let connection;
    try {
      connection = (await ctx.api.query(QUOTES, { first: PAGE, after: pager.current })).quoteRequests;
    } catch (error) {
      return fill(results, notice("error", error.message));
    }
    const cards = connection.edges.map((e) => quoteCard(ctx, e.node, load));
    fill(
      results,
      cards.length
        ? h("ul", { class: "cards", "aria-label": "Quote requests" }, cards)
        : h("p", {}, "No quote requests for your products yet."),
      pager.pageNumber > 1 || connection.pageInfo.hasNextPage
        ? pagerControls(pager, connection.pageInfo, load)
        : null,
    );
  }
  fill(ctx.view, titled("Quotes for my products"), results);
  await load();
}
