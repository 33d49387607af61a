app_name = "reprints"

urlpatterns = []
