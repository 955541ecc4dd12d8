"""The web app's services and server pages: configuration, client queries, reviews, security, the letter and
the site's pages (Flask Blueprints). Nothing here builds the app: ``wsgi.py`` (the composition root) does."""
