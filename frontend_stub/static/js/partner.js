// Partner agencies: a listing with its quote request form.
import { newIdempotencyKey } from "./api.js";
import { DETAIL_FIELDS, productDetails } from "./catalogue.js";
import {
  announce,
  clearErrors,
  field,
  formatDate,
  h,
  humanise,
  loading,
  notice,
  showErrors,
  titled,
  fill,
} from "./dom.js";

const PRODUCT = `query Product($id: ID!) { product(id: $id) { ${DETAIL_FIELDS} } }`;

const REQUEST_QUOTE = `mutation RequestQuote($input: RequestQuoteInput!) {
  requestQuote(input: $input) {
    quoteRequest { id status licensingCase { queue status slaDueAt } }
    errors { field message code }
  }
}`;

export async function partnerProductView(ctx, id) {
  fill(ctx.view, loading());
  const product = (await ctx.api.query(PRODUCT, { id })).product;
  if (!product) {
    fill(
      ctx.view,
      titled("Listing not found"),
      notice("error", "This listing does not exist or is not available to your organisation."),
    );
    return;
  }
  fill(
    ctx.view,
    h("p", {}, h("a", { href: "#/catalogue" }, "← Back to the catalogue")),
    titled(product.name),
    productDetails(product),
    ctx.me.scopes.includes("quotes:request")
      ? quoteForm(ctx, product)
      : notice("info", "This client may not request quotes (it lacks the quotes:request scope)."),
  );
}

function quoteControls(ctx) {
  const country = ctx.me.organisation?.country || "";
  return {
    quantity: h("input", { type: "number", min: "1", step: "1", inputmode: "numeric", required: true }),
    deliveryCountry: h("input", {
      value: country,
      maxlength: "2",
      autocomplete: "off",
      required: true,
      spellcheck: "false",
    }),
    endUser: h("input", { required: true, autocomplete: "organization" }),
    endUse: h("textarea", { rows: "3", required: true }),
    coProduction: h("input", { type: "checkbox", id: "quote-coproduction" }),
    requiredBy: h("input", { type: "date" }),
    notes: h("textarea", { rows: "2" }),
  };
}

function quoteInput(productId, c, idempotencyKey) {
  return {
    productId,
    quantity: Number(c.quantity.value),
    deliveryCountry: c.deliveryCountry.value.trim().toUpperCase(),
    endUser: c.endUser.value.trim(),
    endUse: c.endUse.value.trim(),
    coProduction: c.coProduction.checked,
    requiredBy: c.requiredBy.value || null,
    notes: c.notes.value.trim() || null,
    idempotencyKey,
  };
}

function quoteForm(ctx, product) {
  const c = quoteControls(ctx);
  // One key per filled-in form: a double click or a retry after a network error is one quote.
  let idempotencyKey = newIdempotencyKey();
  const result = h("div", { class: "quote-result" });
  const form = h(
    "form",
    { class: "stack panel", novalidate: true, "aria-labelledby": "quote-title" },
    h("h2", { id: "quote-title" }, "Request a quote"),
    h(
      "p",
      { class: "muted" },
      "Every request is reviewed by export licensing before the manufacturer answers.",
    ),
    field("Quantity (units)", c.quantity, { name: "quantity" }),
    field("Delivery country", c.deliveryCountry, {
      name: "deliveryCountry",
      hint: "Two-letter ISO code, e.g. PL",
    }),
    field("End user", c.endUser, { name: "endUser", hint: "The unit or agency that will operate it" }),
    field("End-use statement", c.endUse, { name: "endUse" }),
    h(
      "div",
      { class: "field checkbox", "data-field": "coProduction" },
      c.coProduction,
      h("label", { for: c.coProduction.id }, "We want co-production in our country"),
      h("p", { class: "field-error", hidden: true }),
    ),
    field("Required by", c.requiredBy, { name: "requiredBy" }),
    field("Notes (optional)", c.notes, { name: "notes" }),
    h("button", { type: "submit", class: "button" }, "Request quote"),
    result,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    fill(result);
    if (!/^\d+$/.test(c.quantity.value)) {
      showErrors(form, [{ field: "quantity", message: "Enter the quantity as a whole number of units." }]);
      return;
    }
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const payload = (
        await ctx.api.query(REQUEST_QUOTE, { input: quoteInput(product.id, c, idempotencyKey) })
      ).requestQuote;
      if (payload.errors.length) {
        showErrors(form, payload.errors);
        return;
      }
      idempotencyKey = newIdempotencyKey();
      form.reset(); // a second request must be filled in again, not sent by a second click
      const licensing = payload.quoteRequest.licensingCase;
      const message = `Quote requested. It is now in licensing review (${humanise(licensing.queue)} queue, decision due ${formatDate(licensing.slaDueAt)}).`;
      fill(result, notice("success", message), h("p", {}, h("a", { href: "#/quotes" }, "See my quotes")));
      announce(message);
    } catch (error) {
      const text = error.unknownField
        ? "Quote requests are not available on this server yet."
        : error.message;
      fill(result, notice("error", text));
    } finally {
      button.disabled = false;
    }
  });
  return form;
}
