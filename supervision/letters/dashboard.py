def panels(user):
    return []
