"""The dashboard's pages: thin views that scope every query to the reader's projects
(``hub.projects.services.visible``, the API's rule), read through the owning apps' services and the
API's paginations, and hand plain values to templates."""
