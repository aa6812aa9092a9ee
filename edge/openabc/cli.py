"""`openabc`: the one console command, with a subcommand per job.

Each subcommand imports what it needs lazily, so `openabc mrz` starts in
milliseconds on a kiosk and never loads models it does not use.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from openabc.config import OpenAbcSettings, load_settings
from openabc.evaluation.cli import add_eval_parser


def _settings(args: argparse.Namespace) -> OpenAbcSettings:
    path: Path | None = args.config
    return load_settings(path)


def _cmd_mrz(args: argparse.Namespace) -> int:
    from openabc.mrz.cli import run_mrz_command

    today = dt.date.fromisoformat(args.today) if args.today else dt.date.today()
    return run_mrz_command(sys.stdin, sys.stdout, today=today)


def _cmd_stay(args: argparse.Namespace) -> int:
    from openabc.matcher.stay_cli import run_stay_command

    return run_stay_command(sys.stdin, sys.stdout, entry=dt.date.fromisoformat(args.entry))


def _cmd_purge(args: argparse.Namespace) -> int:
    from openabc.matcher.purge_cli import run_purge_command

    today = dt.date.fromisoformat(args.today) if args.today else dt.date.today()
    return run_purge_command(_settings(args).matcher.store, sys.stdout, today=today)


def _cmd_seed(args: argparse.Namespace) -> int:
    from openabc.composition import seed_matcher

    summary = seed_matcher(_settings(args), filler=args.filler, seed=args.seed)
    print(summary)
    return 0


def _cmd_matcher(args: argparse.Namespace) -> int:
    from openabc.composition import serve_matcher

    serve_matcher(_settings(args))
    return 0


def _cmd_api_token(args: argparse.Namespace) -> int:
    from openabc.matcher.api_tokens import TokenFileError, add_api_token
    from openabc.matcher.portal import Profile

    path = _settings(args).matcher.api_tokens
    try:
        token = add_api_token(path, caller_id=args.caller_id, profile=Profile(args.profile))
    except (TokenFileError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"token for {args.caller_id} ({args.profile}), shown once; stored in {path}:")
    print(token)
    return 0


def _cmd_lane(args: argparse.Namespace) -> int:
    from openabc.composition import serve_emulated_lane

    code: int = serve_emulated_lane(
        _settings(args), lane_id=args.lane, archetypes=args.traveller
    )
    return code


def _cmd_demo(args: argparse.Namespace) -> int:
    from openabc.demo import run_demo

    code: int = run_demo(_settings(args), rounds=args.rounds, broker=args.broker)
    return code


def _cmd_eval(args: argparse.Namespace) -> int:
    from openabc.evaluation.cli import run_eval_command

    models_dir: Path = args.models_dir or _settings(args).models.models_dir
    return run_eval_command(args, models_dir, sys.stdout, sys.stderr)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="openabc", description=__doc__)
    parser.add_argument("--config", type=Path, default=None, help="settings YAML file")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)

    mrz = sub.add_parser("mrz", help="validate MRZ lines read on stdin, print JSON")
    mrz.add_argument("--today", help="reference date (YYYY-MM-DD) for expiry checks")
    mrz.set_defaults(func=_cmd_mrz)

    stay = sub.add_parser("stay", help="EES 90/180: days used and latest exit for an entry")
    stay.add_argument("--entry", required=True, help="entry day YYYY-MM-DD; stays JSON on stdin")
    stay.set_defaults(func=_cmd_stay)

    purge = sub.add_parser("purge", help="delete EES data past its retention period")
    purge.add_argument("--today", help="reference day YYYY-MM-DD (default: today)")
    purge.set_defaults(func=_cmd_purge)

    seed = sub.add_parser("seed", help="(re)create the matcher store from the seed generator")
    seed.add_argument("--filler", type=int, default=2000, help="synthetic gallery persons")
    seed.add_argument("--seed", type=int, default=20260101, help="generator seed")
    seed.set_defaults(func=_cmd_seed)

    matcher = sub.add_parser("matcher", help="run a regional matcher worker")
    matcher.set_defaults(func=_cmd_matcher)

    token = sub.add_parser("api-token", help="create a bearer token for a guard tool")
    token.add_argument("--caller-id", required=True, help="officer or tool the token is for")
    token.add_argument("--profile", choices=["border_guard", "kiosk"], default="border_guard")
    token.set_defaults(func=_cmd_api_token)

    lane = sub.add_parser("lane", help="run one lane with emulated devices")
    lane.add_argument("--lane", default="lane-1", help="lane id from the settings")
    lane.add_argument(
        "--traveller", action="append", default=None, help="archetype to present (repeatable)"
    )
    lane.set_defaults(func=_cmd_lane)

    demo = sub.add_parser("demo", help="broker + matcher + two emulated lanes + travellers")
    demo.add_argument("--rounds", type=int, default=2, help="times the population is streamed")
    demo.add_argument("--broker", choices=["auto", "mosquitto", "amqtt"], default="auto")
    demo.set_defaults(func=_cmd_demo)

    add_eval_parser(sub).set_defaults(func=_cmd_eval)

    from openabc.device.cli import add_device_parser

    add_device_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        code: int = args.func(args)
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
