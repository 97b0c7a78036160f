"""Photo checks shared by the site's apps: what an upload must be before anything stores or reads
it (rooms saves landlord photos, tagging's API reads a photo it is sent).  A plain module, not a
Django app: ``photos.processing.process_photo``."""
