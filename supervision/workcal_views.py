from flask import Blueprint

bp = Blueprint("workcal", __name__, url_prefix="/calendar")
