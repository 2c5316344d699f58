// Documents on a quote or a listing: the list with an "Open" button each (fetched with the
// token, then saved by the browser: the server sends them as attachments), and the form a
// partner uses to attach an end-user certificate.
import { announce, clearErrors, field, h, humanise, showErrors } from "./dom.js";

export const DOCUMENT_FIELDS = "id kind filename contentType size createdAt downloadUrl";
const UPLOAD = `mutation Upload($input: UploadDocumentInput!) {
  uploadDocument(input: $input) { document { ${DOCUMENT_FIELDS} } errors { field message code } }
}`;
const ACCEPTED = "application/pdf,image/png,image/jpeg";
const MAX_BYTES = 10 * 1024 * 1024;

function sizeText(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

async function open(ctx, doc, button) {
  button.disabled = true;
  try {
    const blob = await ctx.api.download(doc.downloadUrl);
    const url = URL.createObjectURL(blob);
    const link = h("a", { href: url, download: doc.filename, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    announce(`${doc.filename} downloaded.`);
  } catch (error) {
    announce(error.message);
  } finally {
    button.disabled = false;
  }
}

export function documentsList(ctx, documents, label = "Documents") {
  if (!documents.length) return h("p", { class: "muted" }, "No documents attached.");
  // A group of paragraphs rather than a list: it sits inside list items (a quote's card), whose
  // own list stays one level deep.
  return h(
    "div",
    { class: "documents", role: "group", "aria-label": label },
    documents.map((doc) => {
      const button = h("button", { type: "button", class: "button secondary" }, `Open ${doc.filename}`);
      button.addEventListener("click", () => open(ctx, doc, button));
      return h(
        "p",
        { class: "document" },
        h("span", { class: "badge" }, humanise(doc.kind)),
        ` ${doc.filename} (${sizeText(doc.size)}) `,
        button,
      );
    }),
  );
}

// The partner attaches an end-user certificate to its quote (PDF, PNG or JPEG, 10 MB at most;
// the server checks the content itself and answers with the reason when it refuses).
export function eucForm(ctx, quote, reload) {
  const input = h("input", { type: "file", accept: ACCEPTED });
  const form = h(
    "form",
    { class: "stack", novalidate: true },
    field("End-user certificate", input, { name: "file", hint: "PDF, PNG or JPEG, 10 MB at most." }),
    h("button", { type: "submit", class: "button" }, "Attach certificate"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const file = input.files[0];
    if (!file) return showErrors(form, [{ field: "file", message: "Choose a file to attach." }]);
    if (file.size > MAX_BYTES) {
      return showErrors(form, [{ field: "file", message: "The file is over 10 MB." }]);
    }
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const variables = {
        input: { kind: "END_USER_CERTIFICATE", quoteRequestId: quote.id, file: null },
      };
      const payload = (await ctx.api.upload(UPLOAD, variables, file)).uploadDocument;
      if (payload.errors.length) return showErrors(form, payload.errors);
      announce(`${payload.document.filename} attached.`);
      await reload();
    } catch (error) {
      showErrors(form, [{ field: null, message: error.message }]);
    } finally {
      button.disabled = false;
    }
  });
  return form;
}
