"""The paper's chunks and where to find them: langchain's splitter (pure) and the Chroma index (embedded or
a server), which the extract stage queries for each field group."""
