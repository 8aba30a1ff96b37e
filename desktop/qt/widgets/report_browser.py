"""A QTextBrowser that shows a report's HTML with its embedded images as registered document resources."""

from __future__ import annotations

from PySide6.QtCore import QUrl
from PySide6.QtGui import QImage, QTextDocument
from PySide6.QtWidgets import QTextBrowser, QWidget

from desktop.models.report_html import extract_images
from desktop.qt.theme import monospace_font


class ReportBrowser(QTextBrowser):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)  # a report has nothing to navigate to; links must not blank the page
        self.image_urls: list[str] = []  # the resources of the HTML shown now

    def show_html(self, html: str) -> None:
        """Show ``html``, its ``data:image`` sources decoded once and added as ``report://imgN`` resources."""
        rewritten, images = extract_images(html)
        document = QTextDocument(self)
        document.setDefaultFont(self.font())
        self.image_urls = []
        for image in images:
            decoded = QImage.fromData(image.data)
            if decoded.isNull():
                continue  # the <img> shows as a broken image instead of failing the whole report
            document.addResource(QTextDocument.ResourceType.ImageResource, QUrl(image.url), decoded)
            self.image_urls.append(image.url)
        document.setHtml(rewritten)
        self._replace_document(document)

    def show_text(self, text: str) -> None:
        document = QTextDocument(self)
        document.setDefaultFont(monospace_font())
        document.setPlainText(text)
        self._replace_document(document)
        self.image_urls = []

    def image(self, url: str) -> QImage:
        """The image resource registered for ``url`` (null if none)."""
        value = self.document().resource(QTextDocument.ResourceType.ImageResource, QUrl(url))
        return value if isinstance(value, QImage) else QImage()

    def _replace_document(self, document: QTextDocument) -> None:
        self.setDocument(document)  # QTextEdit deletes the previous document: it is our child
