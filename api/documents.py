"""`GET /documents/{id}`: a document's content, with the bearer token.

The answer is 404 to anyone who may not see the document (the rule of the entity it is
attached to, catalog/visibility.py), exactly as for one that does not exist. The content goes
out as an attachment with the content type decided at upload, never sniffed by the browser
and never cached by anyone in between. Each download is audited."""

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from api.graphql.pipeline import unauthenticated
from auth.errors import InvalidToken
from auth.service import Authenticator
from catalog.core.db import Database
from catalog.core.errors import DomainError
from catalog.core.ids import parse_global_id
from catalog.documents import service

NOT_FOUND = {"errors": [{"message": "document not found", "extensions": {"code": "NOT_FOUND"}}]}
NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


class DocumentDownloads:
    def __init__(self, db: Database, authenticator: Authenticator) -> None:
        self.db = db
        self.authenticator = authenticator

    async def download(self, request: Request) -> Response:
        try:
            principal = await self.authenticator.authenticate(request)
        except InvalidToken as error:
            return unauthenticated(error)
        parsed = parse_global_id(request.path_params["document_id"])
        if parsed is None or parsed[0] != "Document":
            return JSONResponse(NOT_FOUND, status_code=404, headers=NO_STORE)
        try:
            document, content = await service.download(self.db, principal, parsed[1])
        except DomainError:
            return JSONResponse(NOT_FOUND, status_code=404, headers=NO_STORE)
        disposition = f'attachment; filename="{document.filename}"'
        return Response(
            content,
            media_type=document.content_type,
            headers={**NO_STORE, "Content-Disposition": disposition},
        )


def document_routes(db: Database, authenticator: Authenticator) -> list[Route]:
    downloads = DocumentDownloads(db, authenticator)
    return [Route("/documents/{document_id}", downloads.download, methods=["GET"])]
