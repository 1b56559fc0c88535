"""The compiled cache finds a statement built once by identity, and nothing else."""

from __future__ import annotations

from sqlalchemy import Engine, bindparam, create_engine, literal_column, select

from quizapp.compiled_cache import IdentityFirstCache

NUMBER = select(literal_column("1").label("one"), bindparam("n").label("n"))


def _engine(cache: IdentityFirstCache) -> Engine:
    return create_engine("sqlite://", execution_options={"compiled_cache": cache})


def test_a_statement_built_once_is_compiled_once_and_answers_each_execution():
    cache = IdentityFirstCache()
    with _engine(cache).connect() as connection:
        results = [connection.execute(NUMBER, {"n": n}) for n in range(4)]
        assert [result.one().n for result in results] == [0, 1, 2, 3]
    assert len({id(result.context.compiled) for result in results}) == 1
    assert cache.kept_by_identity == 1


def test_statements_built_for_each_call_are_not_kept_by_identity():
    cache = IdentityFirstCache(recent=8)
    with _engine(cache).connect() as connection:
        for n in range(50):
            statement = select(bindparam("n").label("x")).where(literal_column("1") == 1)
            assert connection.execute(statement, {"n": n}).scalar() == n
    assert cache.kept_by_identity == 0
    assert len(cache) == 1  # one compiled form, found by hash


def test_each_engine_gets_its_own_dialect_s_compiled_statement():
    cache = IdentityFirstCache()
    first, second = _engine(cache), _engine(cache)
    compiled = []
    for engine in (first, first, first, second, second):
        with engine.connect() as connection:
            result = connection.execute(NUMBER, {"n": 7})
            assert result.one().n == 7
            compiled.append(result.context.compiled)
    assert compiled[0] is compiled[1] is compiled[2]
    assert compiled[3] is compiled[4]
    assert compiled[3] is not compiled[0]
    assert compiled[3].dialect is second.dialect


def test_a_full_identity_map_leaves_statements_to_the_hash_lookup():
    cache = IdentityFirstCache(identities=1)
    statements = [select(bindparam("n").label("n"), literal_column(str(i))) for i in range(3)]
    with _engine(cache).connect() as connection:
        for _ in range(3):
            for statement in statements:
                assert connection.execute(statement, {"n": 5}).scalar() == 5
    assert cache.kept_by_identity == 1
    assert len(cache) == 3


def test_clearing_forgets_every_statement():
    cache = IdentityFirstCache()
    with _engine(cache).connect() as connection:
        for _ in range(2):
            connection.execute(NUMBER, {"n": 1})
    cache.clear()
    assert len(cache) == 0 and cache.kept_by_identity == 0
