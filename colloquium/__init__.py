"""Colloquium: the yearly colloquium of Ensemble contre la traite des êtres humains."""

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from colloquium.config import load_config


def create_app(test_config: dict | None = None, instance_path: str | None = None) -> Flask:
    """Build the application: settings, extensions, blueprints, commands, error pages."""
    app = Flask(
        __name__,
        instance_path=instance_path,
        instance_relative_config=True,
        template_folder="../templates",
    )
    load_config(app, test_config)
    proxies = app.config["PROXY_COUNT"]
    if proxies:
        # Behind that many trusted proxies, the visitor's address (what every rate limit is
        # keyed on), scheme (HSTS, secure cookies) and host come from their X-Forwarded-*
        # headers; with none, those headers are ignored, so nobody can forge them.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

    from colloquium import cli, content, errors, i18n, log_redaction, navigation, routing, security
    from colloquium.accounts import login as accounts_login
    from colloquium.db import init_database
    from colloquium.extensions import csrf, db, limiter, mail, migrate
    from colloquium.markdown import render_markdown

    log_redaction.init_app(app)
    routing.init_app(app)  # before any rule is added: the rules use its converters
    init_database(app, db)
    content.init_app(app)
    migrate.init_app(app, db, render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    mail.init_app(app)
    limiter.init_app(app)
    i18n.init_app(app)
    app.jinja_env.filters["markdown"] = render_markdown
    # Before security: its headers are then set before Flask-Login's cookie hook runs.
    accounts_login.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    navigation.init_app(app)

    from colloquium.accounts.admin import bp as accounts_admin_bp
    from colloquium.accounts.views import bp as accounts_bp
    from colloquium.admin.editions import bp as editions_admin_bp
    from colloquium.admin.views import bp as admin_bp
    from colloquium.associations.admin import bp as associations_admin_bp
    from colloquium.associations.views import bp as associations_bp
    from colloquium.audit.admin import bp as audit_admin_bp
    from colloquium.editions.views import bp as editions_bp
    from colloquium.mail.admin import bp as mail_admin_bp
    from colloquium.pages.views import bp as pages_bp
    from colloquium.programme.admin import bp as programme_admin_bp
    from colloquium.programme.exports import bp as programme_exports_bp
    from colloquium.programme.views import bp as programme_bp
    from colloquium.registration.admin import badges_bp, check_in_bp
    from colloquium.registration.admin import messages_bp as messages_admin_bp
    from colloquium.registration.admin import registrations_bp as registrations_admin_bp
    from colloquium.registration.views import bp as registration_bp
    from colloquium.resources.admin import bp as resources_admin_bp
    from colloquium.resources.views import bp as resources_bp

    app.register_blueprint(editions_bp)
    app.register_blueprint(pages_bp)
    app.register_blueprint(programme_bp)
    app.register_blueprint(programme_exports_bp)
    app.register_blueprint(programme_admin_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(accounts_admin_bp)
    app.register_blueprint(associations_bp)
    app.register_blueprint(associations_admin_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(editions_admin_bp)
    app.register_blueprint(registration_bp)
    app.register_blueprint(check_in_bp)
    app.register_blueprint(badges_bp)
    app.register_blueprint(registrations_admin_bp)
    app.register_blueprint(messages_admin_bp)
    app.register_blueprint(audit_admin_bp)
    app.register_blueprint(mail_admin_bp)
    app.register_blueprint(resources_bp)
    app.register_blueprint(resources_admin_bp)

    cli.init_app(app)
    return app
