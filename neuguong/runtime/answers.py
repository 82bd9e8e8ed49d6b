"""The base of every answer model: the OpenAPI document shows each answer's keys, and an answer with a key
its model does not name is refused (a 500 the tests see) instead of being dropped or passed on undocumented."""

from pydantic import BaseModel, ConfigDict


class AnswerModel(BaseModel):
    """An answer's shape; a model whose answers carry open-ended content says `extra="allow"` itself."""

    model_config = ConfigDict(extra="forbid")
