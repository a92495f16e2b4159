"""Index life on every adapter: bulk writes, the id list verify relies on, "more like this",
and a rebuild that keeps search up and swaps in atomically; Tantivy shared by processes."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import tantivy

from services.common.errors import NotFound
from services.indexing.tantivy_index import VERSION, TantivyIndex
from services.indexing.tantivy_query import INDEX_VERSION
from tests.contract.search_support import ADAPTERS, doc, ids, index_fixture, load, search

pytestmark = pytest.mark.contract

index = index_fixture()
es_index = index_fixture([p for p in ADAPTERS if p.id == "elasticsearch"], "es_index")


def test_upsert_many_writes_and_replaces_in_one_batch(index):
    assert index.upsert_many([doc("a", "bản nháp"), doc("b", "công văn")]) == 2
    index.upsert_many([doc("a", "bản chính thức"), doc("c", "công văn")])
    assert index.count() == 3
    assert search(index, "nháp").total == 0
    assert sorted(ids(search(index, "công văn"))) == ["b", "c"]


def test_ids_lists_what_is_indexed_and_forgets_deleted(index):
    load(index, doc("a", "x"), doc("b", "y"), doc("c", "z"))
    index.delete("b")
    assert index.ids() == {"a", "c"}


def test_similar_finds_records_sharing_distinctive_words(index):
    load(
        index,
        doc("src", "phòng chống lụt bão, đê điều, thủy lợi nội đồng năm 2024"),
        doc("near", "kế hoạch phòng chống lụt bão và đê điều mùa mưa"),
        doc("far", "hội nghị tổng kết công tác tuyên giáo"),
        doc("secret", "lụt bão đê điều thủy lợi", secrecy=2),
    )
    result = index.similar("src", clearance=0, limit=5)
    assert ids(result)[0] == "near"
    assert "src" not in ids(result) and "secret" not in ids(result)
    assert "secret" in ids(index.similar("src", clearance=2))


def test_similar_hides_a_record_above_clearance_like_an_unknown_one(index):
    load(index, doc("secret", "lụt bão", secrecy=1), doc("other", "lụt bão"))
    with pytest.raises(NotFound):
        index.similar("secret", clearance=0)
    with pytest.raises(NotFound):
        index.similar("missing", clearance=3)


def test_a_secrecy_correction_moves_the_record_out_of_lower_clearances(index):
    """Re-indexed at a higher level (a correction), no copy stays where a lower clearance
    reads, and it is counted once."""
    load(index, doc("r", "kế hoạch phòng chống lụt bão"), doc("other", "lụt bão"))
    index.upsert(doc("r", "kế hoạch phòng chống lụt bão", secrecy=2))
    assert ids(search(index, "lụt bão", clearance=1)) == ["other"]
    assert sorted(ids(search(index, "lụt bão", clearance=2))) == ["other", "r"]
    assert index.count() == 2 and index.ids() == {"other", "r"}
    index.upsert(doc("r", "kế hoạch phòng chống lụt bão"))  # and back down
    assert sorted(ids(search(index, "lụt bão", clearance=0))) == ["other", "r"]
    index.delete("r")
    assert ids(search(index, "lụt bão", clearance=3)) == ["other"]


def test_rebuild_keeps_searching_the_old_generation_until_the_swap(index):
    load(index, doc("old", "công văn cũ"))
    target = index.begin_rebuild()
    target.upsert_many([doc("new", "công văn mới")])
    assert ids(search(index, "công văn")) == ["old"]  # still the current generation
    index.upsert(doc("live", "công văn trong lúc dựng lại"))  # reaches both generations
    index.finish_rebuild()
    assert sorted(ids(search(index, "công văn"))) == ["live", "new"]
    assert index.ids() == {"live", "new"}


def test_a_rebuild_under_way_is_named_by_the_index(index):
    """What lets any process answer for a rebuild another one runs."""
    assert index.rebuilding() is None
    old = index.generation
    target = index.begin_rebuild()
    assert index.rebuilding() == target.generation != old
    assert index.generation == old
    assert index.finish_rebuild() == target.generation
    assert (index.rebuilding(), index.generation) == (None, target.generation)


def test_rebuild_resumes_an_unfinished_generation_after_a_restart(tmp_path):
    first = TantivyIndex(tmp_path / "idx")
    first.upsert(doc("a", "biên bản"))
    first.begin_rebuild().upsert_many([doc("a", "biên bản"), doc("b", "biên bản")])
    first.close()  # crash or restart before the swap
    second = TantivyIndex(tmp_path / "idx")
    try:
        assert second.ids() == {"a"}  # still the old generation
        target = second.begin_rebuild()
        assert target.ids() == {"a", "b"}  # the same unfinished generation
        generation = second.finish_rebuild()
        assert (tmp_path / "idx" / "CURRENT").read_text().strip() == generation
        assert not (tmp_path / "idx" / "REBUILD").exists()
    finally:
        second.close()
    third = TantivyIndex(tmp_path / "idx")
    try:
        assert third.ids() == {"a", "b"} and third.generation == generation
    finally:
        third.close()


def _one_index(path, records, version=None, schema=None) -> None:
    """A Tantivy index at `path` holding every level, as written before levels (by default
    with today's schema), stamped with `version` if given."""
    import tantivy

    from services.indexing.tantivy_query import build_schema, register_analysers, to_document

    path.mkdir(exist_ok=True)
    legacy = tantivy.Index(schema or build_schema(), path=str(path))
    register_analysers(legacy)
    writer = legacy.writer(15_000_000, 1)
    for record in records:
        writer.add_document(to_document(record))
    writer.commit()
    writer.wait_merging_threads()
    if version is not None:
        (path / VERSION).write_text(f"{version}\n")


def test_an_index_from_before_generations_is_still_read(tmp_path):
    _one_index(tmp_path, [doc("old", "hồ sơ cũ")])
    index = TantivyIndex(tmp_path)
    try:
        assert ids(search(index, "ho so")) == ["old"] and index.outdated()
        index.begin_rebuild().upsert_many([doc("old", "hồ sơ cũ")])
        index.finish_rebuild()
        assert ids(search(index, "ho so")) == ["old"] and index.generation == "gen-0001"
        assert not index.outdated()
    finally:
        index.close()


def test_a_generation_from_before_levels_is_searched_under_the_clearance_until_rebuilt(tmp_path):
    """Schema 4 kept every level in one index: opened as it is, the clearance filter alone
    keeps Mật records out (similar counts its words under it), and the rebuild that its version
    starts writes one index per level."""
    records = [
        doc("a", "báo cáo công tác văn phòng"),
        doc("b", "báo cáo công tác văn phòng mật", secrecy=1),
        doc("c", "công tác văn phòng năm nay"),
    ]
    _one_index(tmp_path / "gen-0001", records, "schema 4, analysis 1")
    (tmp_path / "CURRENT").write_text("gen-0001\n")
    index = TantivyIndex(tmp_path)
    try:
        assert index.outdated() and index.count() == 3
        assert index.levels() == {"a": {0}, "b": {1}, "c": {0}}  # what verify compares
        assert sorted(ids(search(index, "cong tac"))) == ["a", "c"]
        assert sorted(ids(search(index, "cong tac", clearance=1))) == ["a", "b", "c"]
        assert ids(search(index, "cong tac", clearance=1, secrecy=1)) == ["b"]
        assert ids(index.similar("a")) == ["c"]
        with pytest.raises(NotFound):
            index.similar("b")
        index.begin_rebuild().upsert_many(records)
        assert index.finish_rebuild() == "gen-0002" and not index.outdated()
        levels = sorted(p.name for p in (tmp_path / "gen-0002").iterdir() if p.is_dir())
        assert levels == ["level-0", "level-1", "level-2", "level-3"]
        assert not (tmp_path / "gen-0002" / "meta.json").exists()
        assert sorted(ids(search(index, "cong tac"))) == ["a", "c"]
        assert sorted(ids(search(index, "cong tac", clearance=1))) == ["a", "b", "c"]
        assert index.ids() == {"a", "b", "c"} and ids(index.similar("a")) == ["c"]
    finally:
        index.close()


def test_a_write_commits_only_in_the_levels_it_changes(tmp_path):
    """One commit for a live upsert, two for a record moving to another level."""
    index = TantivyIndex(tmp_path)
    try:
        index.upsert_many([doc("a", "hồ sơ"), doc("b", "hồ sơ mật", secrecy=1)])
        metas = [tmp_path / index.generation / f"level-{n}" / "meta.json" for n in range(4)]

        def commits() -> list[bytes]:
            return [meta.read_bytes() for meta in metas]

        before = commits()
        index.upsert(doc("c", "công văn"))
        after = commits()
        assert [x != y for x, y in zip(before, after, strict=True)] == [True, False, False, False]
        index.upsert(doc("a", "hồ sơ", secrecy=2))
        moved = commits()
        assert [x != y for x, y in zip(after, moved, strict=True)] == [True, False, True, False]
        assert index.ids() == {"a", "b", "c"} and index.count() == 3
        assert sorted(ids(search(index, "ho so", clearance=3))) == ["a", "b"]
        assert ids(search(index, "ho so")) == []
    finally:
        index.close()


def test_records_written_before_the_folded_copy_still_get_snippets(tmp_path):
    """Schema 1 stored the text alone; schema 2 adds its folded copy as a second value of the
    same field, so a schema-1 generation opens and is searched until its rebuild."""
    import tantivy

    from services.indexing.tantivy_query import build_schema, register_analysers, to_document

    schema = build_schema()
    (tmp_path / "gen-0001").mkdir()
    legacy = tantivy.Index(schema, path=str(tmp_path / "gen-0001"))
    register_analysers(legacy)
    fields = to_document(doc("old", "Báo cáo của Văn phòng Tỉnh ủy")).to_dict()
    fields["body"] = fields["body"][:1]  # the text without its folded copy, as schema 1 stored it
    document = tantivy.Document.from_dict(fields, schema)
    writer = legacy.writer(15_000_000, 1)
    writer.add_document(document)
    writer.commit()
    writer.wait_merging_threads()
    (tmp_path / "gen-0001" / "VERSION").write_text("schema 1, analysis 1\n")
    (tmp_path / "CURRENT").write_text("gen-0001\n")
    index = TantivyIndex(tmp_path)
    try:
        assert index.outdated()
        [hit] = search(index, "van phong").hits
        assert hit.snippet == "Báo cáo của <mark>Văn</mark> <mark>phòng</mark> Tỉnh ủy"
    finally:
        index.close()


def _schema_2():
    """The schema before version 3: the words as written and folded, split and lowercased by
    Tantivy's "default" analyser, with positions."""
    import tantivy

    from services.indexing.tantivy_query import KEYWORD_FIELDS, STORED_TEXT

    builder = tantivy.SchemaBuilder()
    for name in ("id", *KEYWORD_FIELDS):
        builder.add_text_field(name, stored=True, fast=True, tokenizer_name="raw")
    builder.add_integer_field("secrecy", stored=True, indexed=True, fast=True)
    builder.add_date_field("issued_date", stored=True, indexed=True, fast=True)
    for name in STORED_TEXT:
        builder.add_text_field(name, stored=True, tokenizer_name="raw")
    builder.add_bytes_field("body", stored=True)
    for name in ("exact", "folded"):
        builder.add_text_field(name, tokenizer_name="default")
    for name in ("number_tokens", "organ_tokens"):
        builder.add_text_field(name, tokenizer_name="whitespace")
    builder.add_text_field("bigrams", tokenizer_name="whitespace", index_option="freq")
    return builder.build()


def test_a_generation_of_an_earlier_schema_is_searched_and_written_until_rebuilt(tmp_path):
    """A schema change keeps the fields, so the generation written under the earlier one is
    opened with its own schema: no empty search while the upgrade's rebuild runs."""
    old = doc("old", "Báo cáo của Văn phòng Tỉnh ủy")
    _one_index(tmp_path / "gen-0001", [old], "schema 2, analysis 1", _schema_2())
    (tmp_path / "CURRENT").write_text("gen-0001\n")
    index = TantivyIndex(tmp_path)
    try:
        assert index.outdated() and index.generation == "gen-0001"
        [hit] = search(index, "văn phòng").hits
        assert hit.snippet == "Báo cáo của <mark>Văn</mark> <mark>phòng</mark> Tỉnh ủy"
        assert ids(search(index, '"van phong tinh"')) == ["old"]
        index.begin_rebuild().upsert_many([doc("old", "Báo cáo của Văn phòng Tỉnh ủy")])
        index.upsert(doc("new", "Văn phòng Trung ương"))  # live: into both generations
        assert sorted(ids(search(index, "van phong"))) == ["new", "old"]
        assert index.finish_rebuild() == "gen-0002" and not index.outdated()
        assert sorted(ids(search(index, "van phong"))) == ["new", "old"]
    finally:
        index.close()


def test_an_index_with_an_older_schema_is_replaced_by_an_empty_generation(tmp_path):
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("body", stored=True)  # the walking skeleton's layout, roughly
    old = tantivy.Index(builder.build(), path=str(tmp_path))
    writer = old.writer(15_000_000, 1)
    writer.commit()
    writer.wait_merging_threads()
    index = TantivyIndex(tmp_path)
    try:
        assert index.count() == 0 and index.generation == "gen-0001"
        assert index.outdated()  # an empty stand-in: the indexing service refills it on start
        index.upsert(doc("a", "văn bản mới"))
        assert ids(search(index, "van ban")) == ["a"]
    finally:
        index.close()


def test_a_generation_of_another_version_is_searched_and_outdated_until_rebuilt(tmp_path):
    """An analysis or schema change (INDEX_VERSION) must not leave old tokens in the index."""
    first = TantivyIndex(tmp_path)
    first.upsert(doc("a", "hồ sơ lưu trữ"))
    (tmp_path / first.generation / VERSION).write_text("schema 0, analysis 0\n")
    first.close()
    index = TantivyIndex(tmp_path)
    try:
        assert index.outdated() and ids(search(index, "ho so")) == ["a"]
        index.begin_rebuild().upsert_many([doc("a", "hồ sơ lưu trữ")])
        assert index.finish_rebuild() == "gen-0002" and not index.outdated()
        assert (tmp_path / "gen-0002" / VERSION).read_text().strip() == INDEX_VERSION
    finally:
        index.close()


def test_finishing_a_rebuild_another_process_already_swapped_in_is_not_an_error(tmp_path):
    a, b = TantivyIndex(tmp_path), TantivyIndex(tmp_path)
    try:
        target = a.begin_rebuild().generation
        assert b.begin_rebuild().generation == target  # both fill the same generation
        assert a.finish_rebuild(target) == target
        assert b.finish_rebuild(target) == target
        with pytest.raises(RuntimeError):
            b.finish_rebuild()
    finally:
        a.close(), b.close()


# Elasticsearch's version lives in each index's mapping `_meta` (es_bodies.es_index_version).


def test_an_elasticsearch_index_of_another_version_is_searched_and_outdated_until_rebuilt(
    es_index,
):
    from services.indexing import es_bodies
    from services.indexing.elasticsearch_index import ElasticsearchIndex

    assert not es_index.outdated()
    load(es_index, doc("a", "hồ sơ lưu trữ"))
    old = es_index.generation
    es_index.es.indices.put_mapping(index=old, meta={es_bodies.VERSION_KEY: "schema 0, analysis 0"})
    index = ElasticsearchIndex(es_index.es, es_index.alias)  # a process starting on it
    assert index.outdated() and ids(search(index, "ho so")) == ["a"]
    index.begin_rebuild().upsert_many([doc("a", "hồ sơ lưu trữ")])
    new = index.finish_rebuild()
    assert new != old and not index.outdated()
    mapping = index.es.indices.get_mapping(index=new).body  # the generation's alias: 4 indices
    assert sorted(mapping) == [f"{new}-s{level}" for level in range(4)]
    for info in mapping.values():
        assert info["mappings"]["_meta"] == {es_bodies.VERSION_KEY: es_bodies.es_index_version()}


def test_an_elasticsearch_index_from_before_versions_takes_live_writes_while_replaced(es_index):
    """An older luutru's index: no version, and a strict mapping without today's fields. Live
    writes during the rebuild must not fail on it; the rebuilt index has them."""
    from services.indexing.elasticsearch_index import ElasticsearchIndex

    # An alias of its own, outside the pattern of the fixture's template.
    es, alias = es_index.es, es_index.alias.replace("luutru-test-", "luutru-old-")
    es.indices.create(
        index=f"{alias}-0001",
        aliases={alias: {}},
        mappings={"dynamic": "strict", "properties": {"title": {"type": "text"}}},
    )
    try:
        index = ElasticsearchIndex(es, alias)
        assert index.outdated()
        target = index.begin_rebuild()
        index.upsert(doc("live", "công văn trong lúc dựng lại"))  # refused by the old one only
        assert target.ids() == {"live"}
        assert index.finish_rebuild() == f"{alias}-0002" and not index.outdated()
        assert ids(search(index, "công văn")) == ["live"]
    finally:
        es.options(ignore_status=404).indices.delete(index=f"{alias}-*")
        es.options(ignore_status=404).indices.delete_index_template(name=alias)


def test_elasticsearch_keeps_each_secrecy_level_in_an_index_of_its_own(es_index):
    """What keeps hidden records out of the statistics a search's order comes from: each
    level's documents in their own index, the level aliases naming one index each."""
    es, alias = es_index.es, es_index.alias
    load(es_index, *[doc(f"l{level}", "kế hoạch", secrecy=level) for level in range(4)])
    generation = es_index.generation
    for level in range(4):
        [name] = es.indices.get_alias(name=f"{alias}-s{level}")
        assert name == f"{generation}-s{level}"
        assert es.count(index=name)["count"] == 1
        settings = es.indices.get_settings(index=name)[name]["settings"]["index"]
        assert settings["number_of_shards"] == "1"
    assert sorted(es.indices.get_alias(name=alias)) == [f"{generation}-s{n}" for n in range(4)]
    assert ids(search(es_index, "kế hoạch", clearance=0)) == ["l0"]


def test_an_elasticsearch_index_from_before_levels_answers_within_clearance_until_rebuilt(
    es_index,
):
    """An older luutru's single index holding every level: each level alias names it, the
    clearance filter hides what it must, a record is found once through several aliases."""
    from services.indexing import es_bodies
    from services.indexing.elasticsearch_index import ElasticsearchIndex

    es, alias = es_index.es, es_index.alias.replace("luutru-test-", "luutru-old-")
    template = es_bodies.index_template()["template"]
    mappings = {**template["mappings"], "_meta": {es_bodies.VERSION_KEY: "schema 4, template x"}}
    es.indices.create(
        index=f"{alias}-0001",
        aliases={alias: {}},
        settings=template["settings"],
        mappings=mappings,
    )
    try:
        for d in (doc("open", "kế hoạch"), doc("secret", "kế hoạch", secrecy=1)):
            es.index(index=f"{alias}-0001", id=d.id, document=es_bodies.document(d), refresh=True)
        index = ElasticsearchIndex(es, alias)
        assert index.outdated() and index.generation == f"{alias}-0001"
        assert ids(search(index, "kế hoạch", clearance=0)) == ["open"]
        both = search(index, "kế hoạch", clearance=3)
        assert sorted(ids(both)) == ["open", "secret"] and both.total == 2
        index.begin_rebuild().upsert_many(
            [doc("open", "kế hoạch"), doc("secret", "kế hoạch", secrecy=1)]
        )
        assert index.finish_rebuild() == f"{alias}-0002" and not index.outdated()
        assert not es.indices.exists(index=f"{alias}-0001")
        assert ids(search(index, "kế hoạch", clearance=0)) == ["open"]
        assert search(index, "kế hoạch", clearance=1).total == 2
    finally:
        es.options(ignore_status=404).indices.delete(index=f"{alias}-*")
        es.options(ignore_status=404).indices.delete_index_template(name=alias)


def test_two_elasticsearch_processes_rebuilding_at_once_fill_and_swap_one_index(es_index):
    from services.indexing.elasticsearch_index import ElasticsearchIndex

    other = ElasticsearchIndex(es_index.es, es_index.alias)
    old = es_index.generation
    target = es_index.begin_rebuild().generation
    assert other.begin_rebuild().generation == target  # resumed, not a third index
    assert es_index.finish_rebuild(target) == target
    assert other.finish_rebuild(target) == target  # already swapped in: not an error
    assert not es_index.es.indices.exists(index=old)
    with pytest.raises(RuntimeError):
        other.finish_rebuild()


def _noted(index) -> list[tuple[str, int]]:
    return sorted((note.record, note.level) for note in index._notes())


def _deleted_docs(es, index: str) -> int:
    return es.indices.stats(index=index, metric="docs")["_all"]["primaries"]["docs"]["deleted"]


def test_elasticsearch_notes_what_stays_in_the_segments_for_every_process_until_purged(es_index):
    """A deletion, a corrected document and a move leave their earlier content in a segment,
    marked deleted: noted in the cluster (any process, a restart, sees it) until the force
    merge of the level has run. The same content indexed again is not noted."""
    from services.indexing.elasticsearch_index import ElasticsearchIndex

    es, alias = es_index.es, es_index.alias
    load(es_index, doc("named", "ông Lường Văn Xổm"), doc("raised", "kho vũ khí"),
         doc("gone", "mỏ vàng Nậm Kít"), doc("same", "hội nghị"))  # fmt: skip
    es_index.upsert(doc("same", "hội nghị"))  # redelivered: nothing new on disk
    assert _noted(es_index) == []
    es_index.upsert(doc("named", "hộ gia đình khó khăn"))
    es_index.upsert(doc("raised", "kho vũ khí", secrecy=1))
    es_index.delete("gone")
    other = ElasticsearchIndex(es, alias)  # another indexing process, or this one restarted
    assert _noted(other) == [("gone", 0), ("named", 0), ("raised", 0)]
    assert other.purge_due(3600) == frozenset()  # not due yet
    levels = other.purge_due(0)
    assert 0 in levels
    other.expunge_deletes(levels)
    assert _noted(es_index) == [] and es_index.pending_purge() == {}
    assert _deleted_docs(es, f"{alias}-s0") == 0
    assert ids(search(es_index, "khó khăn")) == ["named"] and not ids(search(es_index, "Xổm"))
    assert ids(search(es_index, "vũ khí", clearance=1)) == ["raised"]


def test_an_unfinished_elasticsearch_rebuild_of_another_version_is_begun_anew(es_index):
    """Begun before an upgrade: resumed, it would be filled and swapped in under the old
    template's analysers; it is deleted and a new generation begun."""
    from services.indexing import es_bodies
    from services.indexing.elasticsearch_index import ElasticsearchIndex

    es = es_index.es
    load(es_index, doc("a", "hồ sơ lưu trữ"))
    stale = es_index.begin_rebuild().generation
    es.indices.put_mapping(index=stale, meta={es_bodies.VERSION_KEY: "schema 0, analysis 0"})
    index = ElasticsearchIndex(es, es_index.alias)  # a process of the upgraded luutru
    assert index.rebuilding() == stale
    target = index.begin_rebuild()
    assert target.generation == es_bodies.next_generation(es_index.alias, stale)
    assert not es.indices.exists(index=stale) and index.rebuilding() == target.generation
    target.upsert_many([doc("a", "hồ sơ lưu trữ")])
    assert index.finish_rebuild() == target.generation and ids(search(index, "ho so")) == ["a"]


def test_an_elasticsearch_swap_cut_before_its_delete_is_cleaned_up_on_start(es_index):
    """The aliases moved, the process died before deleting the old generation: the next
    process to start deletes it, and only it."""
    from services.indexing import es_bodies
    from services.indexing.elasticsearch_index import ElasticsearchIndex

    es, alias = es_index.es, es_index.alias
    load(es_index, doc("a", "biên bản"))
    old = es_index.generation
    target = es_index.begin_rebuild()
    target.upsert_many([doc("a", "biên bản")])
    indices = dict(es.indices.get_alias(index=f"{alias}-*"))
    es.indices.update_aliases(actions=es_bodies.serving_actions(indices, alias, target.generation))
    es.indices.create(index=f"{alias}-notes")  # not a generation's name: not ours to delete
    assert es.indices.exists(index=old)
    index = ElasticsearchIndex(es, alias)
    assert index.generation == target.generation and not es.indices.exists(index=old)
    assert es.indices.exists(index=f"{alias}-notes") and ids(search(index, "biên bản")) == ["a"]


# Several indexing processes on one Tantivy directory: two instances stand in for them (each
# takes its own flock on the directory's LOCK, as two processes do).


def test_two_instances_on_one_directory_write_in_turn_and_see_each_other_at_once(tmp_path):
    a, b = TantivyIndex(tmp_path), TantivyIndex(tmp_path)

    def write(index: TantivyIndex, prefix: str) -> None:
        for n in range(15):
            index.upsert(doc(f"{prefix}{n}", "công văn"))

    with ThreadPoolExecutor(2) as pool:
        for done in [pool.submit(write, a, "a"), pool.submit(write, b, "b")]:
            done.result()  # no LockBusy: each write waited for the other's commit
    expected = {f"{p}{n}" for p in "ab" for n in range(15)}
    assert a.ids() == b.ids() == expected
    assert search(b, "công văn", limit=50).total == 30
    a.upsert(doc("late", "biên bản"))
    assert ids(search(b, "biên bản")) == ["late"]  # no reload delay
    b.delete("late")
    assert search(a, "biên bản").total == 0 and a.count() == 30


def test_a_rebuild_begun_by_one_instance_gets_the_others_writes_and_its_swap_is_followed(
    tmp_path,
):
    a, b = TantivyIndex(tmp_path), TantivyIndex(tmp_path)
    a.upsert(doc("old", "công văn cũ"))
    target = a.begin_rebuild()
    target.upsert_many([doc("new", "công văn mới")])
    assert b.rebuilding() == target.generation  # b can answer for a's rebuild
    b.upsert(doc("live", "công văn trong lúc dựng lại"))  # b finds REBUILD on disk
    assert b.begin_rebuild().generation == target.generation  # resumed, not a third one
    assert sorted(ids(search(b, "công văn"))) == ["live", "old"]
    generation = a.finish_rebuild()
    assert (b.generation, b.rebuilding()) == (generation, None)
    assert sorted(ids(search(b, "công văn"))) == ["live", "new"]
    b.upsert(doc("after", "công văn sau"))
    assert a.ids() == {"live", "new", "after"}
    assert [p.name for p in tmp_path.glob("gen-*")] == [generation]  # the old one stays gone


def test_similar_chooses_its_words_blind_to_records_above_clearance(index):
    """Hidden records must not sway which words "more like this" picks: 20 Mật records full
    of the words `src` shares with `near` would, through index-wide statistics, push those
    words out of the 25 chosen and `near` out of the answer."""
    unique = [f"x{a}{b}" for a in "abcde" for b in "abcde"]  # 25 words only `src` holds
    shared = ["lutbao", "dedieu", "thuyloi"]
    load(
        index,
        doc("src", " ".join(unique + shared * 3)),
        doc("near", " ".join(shared)),
        *[doc(f"f{n}", "hội nghị tổng kết công tác") for n in range(3)],
    )
    before = index.similar("src", clearance=0, limit=5)
    load(index, *[doc(f"m{n}", " ".join(shared), secrecy=1) for n in range(20)])
    after = index.similar("src", clearance=0, limit=5)
    assert ids(before) == ids(after) == ["near"]
    assert [h.score for h in before.hits] == [h.score for h in after.hits] == [1.0]


def test_an_unfinished_rebuild_of_another_version_is_not_resumed(tmp_path):
    """A rebuild begun before an upgrade (schema 4: every level in one index) would, resumed,
    be swapped in as it is: one index ranking every level together, and outdated again."""
    records = [doc("a", "báo cáo công tác"), doc("b", "báo cáo công tác mật", secrecy=1)]
    _one_index(tmp_path / "gen-0001", records, "schema 4, analysis 1")
    _one_index(tmp_path / "gen-0002", records[:1], "schema 4, analysis 1")
    (tmp_path / "CURRENT").write_text("gen-0001\n")
    (tmp_path / "REBUILD").write_text("gen-0002\n")
    index = TantivyIndex(tmp_path)
    try:
        target = index.begin_rebuild()
        assert target.generation == "gen-0003" and target.ids() == set()
        target.upsert_many(records)
        assert index.finish_rebuild() == "gen-0003" and not index.outdated()
        assert (tmp_path / "gen-0003" / "level-1").is_dir()
        assert not (tmp_path / "gen-0002").exists()
    finally:
        index.close()


def test_a_swap_cut_before_its_rebuild_pointer_was_removed_leaves_one_generation(tmp_path):
    """`finish_rebuild` names the new generation CURRENT, then removes REBUILD: a crash between
    left both naming it. Taken as a rebuild under way, each live write opened two writers on
    it (LockBusy: every write failed) and the next swap removed the generation searches use."""
    first = TantivyIndex(tmp_path)
    first.upsert(doc("a", "biên bản"))
    first.close()
    (tmp_path / "REBUILD").write_text((tmp_path / "CURRENT").read_text())
    index = TantivyIndex(tmp_path)
    try:
        assert index.rebuilding() is None
        index.upsert(doc("b", "biên bản"))
        assert index.ids() == {"a", "b"}
        target = index.begin_rebuild()
        assert target.generation != index.generation
        target.upsert_many([doc("a", "biên bản"), doc("b", "biên bản")])
        index.finish_rebuild()
        assert index.ids() == {"a", "b"} and (tmp_path / index.generation).is_dir()
    finally:
        index.close()


def _generations(root) -> list[str]:
    return sorted(p.name for p in root.glob("gen-*"))


def test_opening_a_generation_another_instance_swaps_out_meanwhile_leaves_nothing_behind(
    tmp_path, monkeypatch
):
    """A process starting reads CURRENT and opens that generation without the lock; another
    one's swap may remove it in between. Opening created its `level-N` indices again under the
    removed directory: empty generations that nothing named stayed on disk for good."""
    from services.indexing import tantivy_index

    a = TantivyIndex(tmp_path)
    a.upsert(doc("old", "công văn cũ"))
    old = a.generation
    a.begin_rebuild().upsert_many([doc("new", "công văn mới")])
    read, swapped = tantivy_index._read_pointer, []

    def swap_meanwhile(path):
        value = read(path)
        if path == tmp_path / old / VERSION and not swapped:
            swapped.append(True)
            swapped.append(a.finish_rebuild())  # between reading CURRENT and opening it
        return value

    monkeypatch.setattr(tantivy_index, "_read_pointer", swap_meanwhile)
    # The sweep on start would remove what the opening left: the opening alone is tested here.
    monkeypatch.setattr(TantivyIndex, "_sweep_if_idle", lambda self: None)
    b = TantivyIndex(tmp_path)
    monkeypatch.undo()
    try:
        new = swapped[-1]
        assert _generations(tmp_path) == [new] != [old]
        assert b.generation == new and ids(search(b, "công văn")) == ["new"]
        b.upsert(doc("live", "công văn sau"))
        assert a.ids() == {"new", "live"} and _generations(tmp_path) == [new]
    finally:
        a.close(), b.close()


def _leave(generation) -> None:
    """Empty level directories, as an opening raced by a swap left them before the fix."""
    for n in range(4):
        (generation / f"level-{n}").mkdir(parents=True)


def test_generations_no_pointer_names_are_removed_under_the_lock(tmp_path):
    """What a swap cut before its removal left, or an opening raced by a swap (before the fix):
    removed on start when no other process holds the lock (starting never waits for it), and
    at each swap. What CURRENT or REBUILD names stays, and so do names not of generations."""
    import fcntl

    from services.indexing.tantivy_index import LOCK

    first = TantivyIndex(tmp_path)
    first.upsert(doc("a", "biên bản"))
    current = first.generation
    first.close()
    _leave(tmp_path / "gen-0007")
    _leave(tmp_path / "gen-0009")
    (tmp_path / "gen-notes").mkdir()
    index = TantivyIndex(tmp_path)
    try:
        assert _generations(tmp_path) == [current, "gen-notes"]
        target = index.begin_rebuild().generation
        _leave(tmp_path / "gen-0005")
        with (tmp_path / LOCK).open("a") as lock:  # another process is writing
            fcntl.flock(lock, fcntl.LOCK_EX)
            TantivyIndex(tmp_path).close()  # starts at once, removes nothing
        assert _generations(tmp_path) == [current, target, "gen-0005", "gen-notes"]
        TantivyIndex(tmp_path).close()  # another process starting beside the rebuild
        assert _generations(tmp_path) == [current, target, "gen-notes"]
        _leave(tmp_path / "gen-0004")
        index.upsert_many([doc("a", "biên bản"), doc("b", "biên bản")])  # both generations
        assert index.finish_rebuild() == target
        assert _generations(tmp_path) == [target, "gen-notes"]
        assert sorted(ids(search(index, "biên bản"))) == ["a", "b"]
    finally:
        index.close()


# -- purging deleted documents' files (docs/search.md, "Destroyed records") ------------------


def _words_on_disk(root, word: str) -> list[str]:
    """The generations' level indices whose term dictionary holds the folded `word`, deleted
    documents included (what is in the files, not what a search finds)."""
    return [
        str(meta.parent.relative_to(root))
        for meta in sorted(root.rglob("meta.json"))
        if tantivy.Index.open(str(meta.parent)).searcher().doc_freq("folded", word)
    ]


def test_a_deletion_is_purged_from_its_level_by_whichever_process_sharing_the_index(tmp_path):
    """One process deletes, another purges: the note is the directory's. Only the level that
    holds the deleted document is rewritten; the others' files are taken over as they are; a
    write during the purge reaches the new generation; a record deleted then indexed again is
    purged of its old copy, then no longer noted (no purge after purge). (A segment whose
    documents are all deleted is dropped by Tantivy at the commit: `stays` keeps it.)"""
    a, b = TantivyIndex(tmp_path), TantivyIndex(tmp_path)
    try:
        a.upsert_many([doc("gone", "trữ lượng mỏ vàng Nậm Kít"), doc("r", "bản cũ Pa Xoóng"),
                       doc("stays", "hội nghị"), doc("kept", "canh gác", secrecy=2)])  # fmt: skip
        a.delete("gone")
        a.delete("r")
        a.upsert(doc("r", "bản mới"))
        assert b.pending_purge() == {"gone": [0], "r": [0]} and b.purge_due(0) == {0}
        assert b.purge_due(3600) == frozenset()  # not yet due
        assert _words_on_disk(tmp_path, "kit") == ["gen-0001/level-0"]
        target = b.begin_rebuild({0})
        assert target.ids() == {"kept"}  # level 2 as it was; level 0 to fill from the catalog
        a.upsert(doc("late", "công văn đến"))  # a live write during the purge
        assert ids(search(a, "canh gác", clearance=2)) == ["kept"]  # searches answered
        target.upsert_many([doc("r", "bản mới"), doc("stays", "hội nghị")])  # the catalog's
        assert b.finish_rebuild() == "gen-0002"
        assert _words_on_disk(tmp_path, "kit") == [] and _words_on_disk(tmp_path, "xoong") == []
        assert a.pending_purge() == {} and b.purge_due(0) == frozenset()
        assert not (tmp_path / "PURGE").exists()
        assert ids(search(a, "công văn")) == ["late"] and ids(search(b, "bản mới")) == ["r"]
        assert ids(search(b, "canh gác", clearance=2)) == ["kept"]
    finally:
        a.close(), b.close()


def test_a_record_raised_to_a_secret_level_is_purged_from_the_level_below(tmp_path):
    """A raise moves the record's document up a level: the copy left in level 0's files
    (marked deleted) is noted and purged like a deletion's, so the secret's words leave the
    files every clearance-0 search reads."""
    index = TantivyIndex(tmp_path)
    try:
        index.upsert_many([doc("raised", "kho vũ khí Hòn Khô"), doc("stays", "hội nghị")])
        index.upsert(doc("raised", "kho vũ khí Hòn Khô", secrecy=1))
        assert index.pending_purge() == {"raised": [0]} and index.purge_due(0) == {0}
        target = index.begin_rebuild({0})
        target.upsert_many([doc("stays", "hội nghị")])  # the catalog's level-0 records
        index.finish_rebuild()
        assert _words_on_disk(tmp_path, "kho") == ["gen-0002/level-1"]
        assert index.pending_purge() == {}
        assert ids(search(index, "kho vũ khí", clearance=1)) == ["raised"]
    finally:
        index.close()


def test_a_rebuild_is_abandoned_only_when_no_process_fills_it(tmp_path):
    """The lease is a flock the kernel drops with its process: a rebuild begun by a process
    that died is found abandoned (the purge timer then resumes it), one being filled is not."""
    a, b = TantivyIndex(tmp_path), TantivyIndex(tmp_path)
    try:
        assert not b.rebuild_abandoned()  # no rebuild at all
        release = a.rebuild_lease()
        a.begin_rebuild()
        also = b.rebuild_lease()  # several may fill it
        release()
        assert not a.rebuild_abandoned()
        also()  # as the kernel does for a process that died
        assert a.rebuild_abandoned() and b.rebuild_abandoned()
    finally:
        a.close(), b.close()
