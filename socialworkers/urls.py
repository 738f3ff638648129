app_name = "socialworkers"

urlpatterns: list = []
