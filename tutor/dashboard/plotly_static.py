"""plotly.js as a static file, `plotly/plotly.min.js`, taken from the installed plotly package (the
version requirements.txt pins) rather than committed: collectstatic copies it with the project's own
files, so WhiteNoise serves it compressed under a hashed name with far-future cache headers
(production's CompressedManifestStaticFilesStorage), and the embedded default finds it in place
(WHITENOISE_USE_FINDERS). Only the bundle: the package's data folder also holds sample data sets."""

from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

from .plotly_css import BUNDLE

PREFIX = "plotly"
STATIC_PATH = f"{PREFIX}/{BUNDLE.name}"


class PlotlyFinder(BaseFinder):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.storage = FileSystemStorage(location=BUNDLE.parent)
        self.storage.prefix = PREFIX  # collectstatic and WhiteNoise put the file under this folder

    def check(self, **kwargs):
        return []

    def find(self, path, find_all=False, **kwargs):
        found = [str(BUNDLE)] if path == STATIC_PATH else []
        return found if find_all else (found[0] if found else None)

    def list(self, ignore_patterns):
        yield BUNDLE.name, self.storage
