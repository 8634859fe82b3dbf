"""Flask extensions, created unbound and bound to the app in ``create_app``."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from colloquium.db import Base, Session

db = SQLAlchemy(model_class=Base, session_options={"class_": Session})
migrate = Migrate()
csrf = CSRFProtect()
mail = Mail()
babel = Babel()
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address)
