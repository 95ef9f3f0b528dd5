"""Everything behind the model seam: the OpenAI-compatible client, the local llama.cpp server, the packaged
GGUF models, the prompt loader, the token estimate and the offline embedding model."""
