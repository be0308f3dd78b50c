"""Console page: Inicio, the dashboard (the console's index view)."""

from flask_admin import AdminIndexView, expose

from app.console.security import RoleAccessMixin


class DashboardView(RoleAccessMixin, AdminIndexView):
    @expose("/")
    def index(self):
        return self.render("admin/index.html")


def make_index_view() -> DashboardView:
    """The index view at /admin/, behind the same login as every page."""
    return DashboardView(name="Inicio", url="/admin")
