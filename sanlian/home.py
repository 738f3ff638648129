def home_context(user):
    return "home/default.html", {}
