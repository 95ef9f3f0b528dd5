"""The nightly digest's parts: the day's arXiv listing (listing), the papers worth reading for a topic
(selection), and their cards assembled into a digest in the seeds' shape (compose). The run that ties them
to the queue and the store is summarizer.service.nightly."""
