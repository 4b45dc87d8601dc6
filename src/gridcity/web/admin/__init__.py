"""The admin pages (系统管理), one module per section: territory and grids, supervisors' grids
(责任网格), classes, the working calendar, departments and users (people), Open311 clients,
department integrations and webhooks; `overview` is the landing page and gathers the sections'
routers; `common` holds what the sections share. The sections never import each other (an
import-linter contract)."""

from gridcity.web.admin.overview import router

__all__ = ["router"]
