"""Composition of one matcher worker for the ``openabc matcher`` command.

Any number of workers may run on one store: they split the requests through
a shared subscription and answer each correlation id once (``ReplyTable``).
"""

from __future__ import annotations

import logging
import threading
from contextlib import closing
from pathlib import Path

from openabc import topics
from openabc.config import OpenAbcSettings
from openabc.evaluation.comparator_manifest import load_finger_threshold
from openabc.matcher.api_server import serving_api
from openabc.matcher.gallery import load_gallery
from openabc.matcher.idempotency import ReplyTable
from openabc.matcher.mqtt_adapter import MatcherMqttAdapter
from openabc.matcher.service import MatcherService, TemplateModel
from openabc.matcher.store import MatcherStore
from openabc.mqtt.bus import MqttBus

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 10.0


def template_model_from_manifest(path: Path) -> tuple[str, str, float]:
    """(model id, version, verify distance) from a face-embedding model manifest."""
    from openabc.inference.manifest import load_manifest

    manifest = load_manifest(path)
    return manifest.id, manifest.version, manifest.thresholds["verify_distance"]


def build_service(
    settings: OpenAbcSettings, store: MatcherStore, template_model: tuple[str, str, float]
) -> MatcherService:
    """Load the gallery of ``template_model`` from the store and wire the service."""
    model = TemplateModel(*template_model)
    gallery, since = load_gallery(store, model.model_id, model.model_version)
    if not len(gallery):
        logger.warning(
            "gallery for %s@%s is empty: was `openabc seed` run?",
            model.model_id,
            model.model_version,
        )
    logger.info("gallery loaded: %d templates (%s)", len(gallery), gallery.engine)
    return MatcherService(
        store,
        gallery,
        model,
        identity_search_distance=settings.matcher.identity_search_distance,
        gallery_seq=since,
        finger_threshold=load_finger_threshold(settings.models.models_dir),
    )


def run_matcher(
    settings: OpenAbcSettings, stop: threading.Event, *, template_model: tuple[str, str, float]
) -> None:
    """Serve match requests and crossing reports until ``stop`` is set."""
    worker = settings.matcher.worker_id
    database = settings.matcher.store
    with (
        closing(MatcherStore.from_settings(settings.matcher)) as store,
        closing(ReplyTable(database, worker)) as replies,
        serving_api(settings.matcher),
    ):
        service = build_service(settings, store, template_model)
        bus = MqttBus(
            settings.broker,
            client_id=f"openabc-{worker}",
            availability_topic=topics.matcher_available(settings.region, worker),
        )
        try:
            bus.connect(CONNECT_TIMEOUT_S)
            MatcherMqttAdapter(bus, service, settings.region, replies=replies).start()
            logger.info("matcher %s serving region %s", worker, settings.region)
            stop.wait()
        finally:
            bus.close()
