"""Protocol buffer messages (``rpudl_model.proto``; the generated module is committed)."""

from pyrpudl.proto.rpudl_model_pb2 import BlobProto, BlobShape, Datum, RpudlDatum

__all__ = ["BlobProto", "BlobShape", "Datum", "RpudlDatum"]
