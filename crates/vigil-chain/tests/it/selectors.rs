//! Every EigenLayer function selector, event topic and custom error Vigil uses, checked against
//! EigenLayer's published interfaces in `testdata/eigenlayer/interfaces-<tag>.json`: v1.3.0 (the
//! local chain), v1.9.0-rc.0 (Sepolia, Hoodi), v1.9.0 and v1.12.0 (mainnet).
//!
//! What Vigil uses is collected from:
//! * every function and event of the hand-written EigenLayer bindings (`bindings::eigenlayer`,
//!   `bindings::eigenlayer_v1_9`: [`hand_written`]), each of which must also be in [`rust_used`] so
//!   that its return types are checked too;
//! * the Rust bindings the code calls ([`rust_used`]: binding types, so selectors, signatures and
//!   return types are the compiled ones), and a scan of the workspace's Rust sources that fails
//!   when the code calls an EigenLayer binding function or reads an event that list lacks;
//! * the Solidity interfaces Vigil's contracts call EigenLayer through
//!   (`contracts/src/interfaces/*.sol`, and `contracts/dev/interfaces/*.sol` for the local chain's
//!   contracts; parsed here), and, for `IAVSRegistrar`, the callbacks EigenLayer makes into Vigil;
//! * custom-error signatures written in the Rust sources (revert decoding).
//!
//! Each must be in every version with the same selector (and return types, where Vigil decodes
//! them), or be listed in [`KNOWN_DIFFERENCES`] with the reason the code copes. A known
//! difference that no longer holds fails too, so the table stays true.

use std::{
    collections::{BTreeSet, HashMap},
    path::{Path, PathBuf},
};

use alloy::{
    primitives::keccak256,
    sol_types::{SolCall, SolEvent, SolType},
};
use serde_json::Value;
use vigil_chain::bindings::{
    eigenlayer::{AllocationManager, DelegationManager, StrategyManager},
    eigenlayer_core,
    eigenlayer_v1_9::{IAllocationManagerV19, IProtocolRegistry},
};

const VERSIONS: [&str; 4] = ["v1.3.0", "v1.9.0-rc.0", "v1.9.0", "v1.12.0"];

/// A difference between versions that Vigil's code handles.
struct Known {
    /// The EigenLayer interface (`*` for errors, which are looked up in every interface).
    iface: &'static str,
    /// The canonical signature.
    signature: &'static str,
    /// Versions that lack it.
    absent_in: &'static [&'static str],
    /// Versions where it returns something else than Vigil declares.
    returns_differ_in: &'static [&'static str],
    /// Why that is fine.
    why: &'static str,
}

const V1_9_ON: &[&str] = &["v1.9.0-rc.0", "v1.9.0", "v1.12.0"];

/// The differences between EigenLayer releases that touch what Vigil uses, and how it copes.
const KNOWN_DIFFERENCES: &[Known] = &[
    Known {
        iface: "IAllocationManager",
        signature: "version()",
        absent_in: V1_9_ON,
        returns_differ_in: &[],
        why: "SemVerMixin dropped in v1.9.0: detect_eigenlayer reads an empty revert as 'v1.9 or \
              later' and asks getSlasher / SLASHER_CONFIGURATION_DELAY instead",
    },
    Known {
        iface: "IAllocationManager",
        signature: "initialize(address,uint256)",
        absent_in: V1_9_ON,
        returns_differ_in: &[],
        why: "became initialize(uint256) in v1.9.0; only deploy_core calls it, on eigen-utils' \
              v1.3.0 bytecode (the local chain); public networks are never initialised by Vigil",
    },
    Known {
        iface: "IAllocationManager",
        signature: "createOperatorSets(address,(uint32,address[],address)[])",
        absent_in: &["v1.3.0"],
        returns_differ_in: &[],
        why: "CreateSetParamsV2 is new in v1.9.0-rc.0: VigilServiceManager.createOperatorSetWithSlasher \
              is the v1.9+ path (EigenLayerVersion::slasher_model() == PerOperatorSet); v1.3.0 uses \
              createOperatorSet + the PermissionController appointee",
    },
    Known {
        iface: "IAllocationManager",
        signature: "getSlasher((address,uint32))",
        absent_in: &["v1.3.0"],
        returns_differ_in: &[],
        why: "per-set slasher is new in v1.9.0-rc.0: detect_eigenlayer probes it and reads its \
              absence as a pre-v1.9 core",
    },
    Known {
        iface: "IAllocationManager",
        signature: "updateSlasher((address,uint32),address)",
        absent_in: &["v1.3.0"],
        returns_differ_in: &[],
        why: "per-set slasher is new in v1.9.0-rc.0: VigilServiceManager calls it only for sets it \
              created with createOperatorSetWithSlasher (the v1.9+ path); on v1.3.0 a slasher \
              change is the PermissionController appointee alone",
    },
    Known {
        iface: "IAllocationManager",
        signature: "SLASHER_CONFIGURATION_DELAY()",
        absent_in: &["v1.3.0", "v1.9.0-rc.0"],
        returns_differ_in: &[],
        why: "new in v1.9.0 (not in rc.0, which Sepolia and Hoodi run): detect_eigenlayer probes \
              it only to tell v1.9.0+ from rc.0",
    },
    Known {
        iface: "IAllocationManager",
        signature: "slashOperator(address,(address,uint32,address[],uint256[],string))",
        absent_in: &[],
        returns_differ_in: V1_9_ON,
        why: "returns (slashId, shares) since v1.5.0 with the same selector; VigilSlasher._slash \
              makes a low-level call and decodes (slashId, shares) only when data comes back \
              (event SlashIdRecorded); no Rust code decodes it",
    },
    Known {
        iface: "IProtocolRegistry",
        signature: "version()",
        absent_in: &["v1.3.0"],
        returns_differ_in: &[],
        why: "the ProtocolRegistry exists from v1.9.0-rc.0: detect_eigenlayer_with asks it only when \
              its address is given (no README lists one) and ignores a registry without it",
    },
    Known {
        iface: "IStrategy",
        signature: "withdraw(address,address,uint256)",
        absent_in: &[],
        returns_differ_in: V1_9_ON,
        why: "returns the amount since v1.5.0; Vigil's Strategy implements v1.3.0's IStrategy for \
              the local v1.3.0 core only (public networks have their own strategies)",
    },
    Known {
        iface: "IStrategy",
        signature: "version()",
        absent_in: V1_9_ON,
        returns_differ_in: &[],
        why: "SemVerMixin dropped in v1.9.0; only Vigil's local-chain Strategy (v1.3.0) has it",
    },
];

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Function,
    Event,
    Error,
}

/// One thing Vigil uses.
#[derive(Debug, Clone)]
struct Used {
    iface: String,
    kind: Kind,
    signature: String,
    /// `0x`-hex selector or topic.
    id: String,
    /// The canonical return tuple Vigil decodes, for functions.
    returns: Option<String>,
    /// Where it is used (binding type or Solidity file).
    from: String,
}

impl Used {
    fn name(&self) -> &str {
        self.signature.split('(').next().unwrap_or_default()
    }
}

fn hex(bytes: &[u8]) -> String {
    format!("0x{}", alloy::hex::encode(bytes))
}

/// A binding type's path without the crate prefixes (`eigenlayer::AllocationManager::versionCall`).
fn short_name(full: &str) -> String {
    full.replace("eigen_utils::slashing::core::", "eigenlayer_core::")
        .replace("vigil_chain::bindings::", "")
}

fn call<C: SolCall>(iface: &str) -> Used {
    Used {
        iface: iface.into(),
        kind: Kind::Function,
        signature: C::SIGNATURE.into(),
        id: hex(&C::SELECTOR),
        returns: Some(<C::ReturnTuple<'static> as SolType>::SOL_NAME.into()),
        from: short_name(std::any::type_name::<C>()),
    }
}

fn event<E: SolEvent>(iface: &str) -> Used {
    Used {
        iface: iface.into(),
        kind: Kind::Event,
        signature: E::SIGNATURE.into(),
        id: hex(E::SIGNATURE_HASH.as_slice()),
        returns: None,
        from: short_name(std::any::type_name::<E>()),
    }
}

/// The EigenLayer binding calls and events Vigil's Rust code uses (the source scan in
/// [`rust_code_uses_only_listed_bindings`] keeps this complete).
fn rust_used() -> Vec<Used> {
    const AM: &str = "IAllocationManager";
    const DM: &str = "IDelegationManager";
    const SM: &str = "IStrategyManager";
    vec![
        // Registration, status, slashing alarms (vigil-chain, vigil-operator, vigil-slasher).
        call::<AllocationManager::getAllocationCall>(AM),
        call::<AllocationManager::getAllocationDelayCall>(AM),
        call::<AllocationManager::getStrategiesInOperatorSetCall>(AM),
        call::<AllocationManager::getAllocatedStakeCall>(AM),
        call::<AllocationManager::getMaxMagnitudeCall>(AM),
        call::<AllocationManager::modifyAllocationsCall>(AM),
        call::<AllocationManager::isMemberOfOperatorSetCall>(AM),
        call::<AllocationManager::isOperatorSlashableCall>(AM),
        call::<AllocationManager::registerForOperatorSetsCall>(AM),
        call::<AllocationManager::deregisterFromOperatorSetsCall>(AM),
        call::<AllocationManager::DEALLOCATION_DELAYCall>(AM),
        call::<AllocationManager::versionCall>(AM),
        event::<AllocationManager::OperatorRemovedFromOperatorSet>(AM),
        event::<AllocationManager::AllocationDelaySet>(AM),
        call::<StrategyManager::depositIntoStrategyCall>(SM),
        // Local-chain deployment (deploy_core) and its test only: eigen-utils' full bindings.
        call::<eigenlayer_core::AllocationManager::initializeCall>(AM),
        call::<eigenlayer_core::StrategyManager::initializeCall>(SM),
        call::<eigenlayer_core::StrategyManager::addStrategiesToDepositWhitelistCall>(SM),
        call::<eigenlayer_core::StrategyManager::strategyIsWhitelistedForDepositCall>(SM),
        call::<DelegationManager::isOperatorCall>(DM),
        call::<DelegationManager::registerAsOperatorCall>(DM),
        call::<DelegationManager::operatorSharesCall>(DM),
        event::<DelegationManager::OperatorMetadataURIUpdated>(DM),
        // Version detection (v1.9+ bindings).
        call::<IAllocationManagerV19::getSlasherCall>(AM),
        call::<IAllocationManagerV19::SLASHER_CONFIGURATION_DELAYCall>(AM),
        call::<IProtocolRegistry::versionCall>("IProtocolRegistry"),
    ]
}

/// Every function and event declared in the hand-written EigenLayer bindings, from the enums
/// alloy generates for each interface (so nothing declared can be left out): checked by selector
/// or topic against every version; [`rust_used`] checks their return types.
fn hand_written() -> Vec<Used> {
    use vigil_chain::bindings::eigenlayer::{
        AllocationManager::{AllocationManagerCalls, AllocationManagerEvents},
        DelegationManager::{DelegationManagerCalls, DelegationManagerEvents},
        StrategyManager::StrategyManagerCalls,
    };
    use vigil_chain::bindings::eigenlayer_v1_9::{
        IAllocationManagerV19::IAllocationManagerV19Calls,
        IProtocolRegistry::IProtocolRegistryCalls,
    };
    fn items<const N: usize>(
        iface: &str,
        kind: Kind,
        from: &str,
        signatures: &[&str],
        ids: &[[u8; N]],
    ) -> Vec<Used> {
        assert_eq!(signatures.len(), ids.len());
        signatures
            .iter()
            .zip(ids)
            .map(|(signature, id)| Used {
                iface: iface.into(),
                kind,
                signature: (*signature).into(),
                id: hex(id),
                returns: None,
                from: from.into(),
            })
            .collect()
    }
    const AM: &str = "IAllocationManager";
    const DM: &str = "IDelegationManager";
    let f = Kind::Function;
    let e = Kind::Event;
    [
        items(
            AM,
            f,
            "eigenlayer::AllocationManager",
            AllocationManagerCalls::SIGNATURES,
            AllocationManagerCalls::SELECTORS,
        ),
        items(
            AM,
            e,
            "eigenlayer::AllocationManager",
            AllocationManagerEvents::SIGNATURES,
            AllocationManagerEvents::SELECTORS,
        ),
        items(
            DM,
            f,
            "eigenlayer::DelegationManager",
            DelegationManagerCalls::SIGNATURES,
            DelegationManagerCalls::SELECTORS,
        ),
        items(
            DM,
            e,
            "eigenlayer::DelegationManager",
            DelegationManagerEvents::SIGNATURES,
            DelegationManagerEvents::SELECTORS,
        ),
        items(
            "IStrategyManager",
            f,
            "eigenlayer::StrategyManager",
            StrategyManagerCalls::SIGNATURES,
            StrategyManagerCalls::SELECTORS,
        ),
        items(
            AM,
            f,
            "eigenlayer_v1_9::IAllocationManagerV19",
            IAllocationManagerV19Calls::SIGNATURES,
            IAllocationManagerV19Calls::SELECTORS,
        ),
        items(
            "IProtocolRegistry",
            f,
            "eigenlayer_v1_9::IProtocolRegistry",
            IProtocolRegistryCalls::SIGNATURES,
            IProtocolRegistryCalls::SELECTORS,
        ),
    ]
    .concat()
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// One published version.
struct Published {
    tag: &'static str,
    /// (interface, signature) → (selector, returns).
    functions: HashMap<(String, String), (String, String)>,
    /// (interface, signature) → topic0.
    events: HashMap<(String, String), String>,
    /// signature → selector, over every interface and implementation.
    errors: HashMap<String, String>,
    /// struct name → canonical tuple.
    structs: HashMap<String, String>,
}

impl Published {
    fn load(tag: &'static str) -> Self {
        let path = repo().join(format!("testdata/eigenlayer/interfaces-{tag}.json"));
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(v["_meta"]["tag"], tag);
        let s = |v: &Value| v.as_str().unwrap().to_owned();
        let mut p = Self {
            tag,
            functions: HashMap::new(),
            events: HashMap::new(),
            errors: HashMap::new(),
            structs: HashMap::new(),
        };
        for (iface, entry) in v.as_object().unwrap() {
            if iface.starts_with('_') {
                continue;
            }
            for f in entry["functions"].as_array().unwrap() {
                p.functions.insert(
                    (iface.clone(), s(&f["signature"])),
                    (s(&f["selector"]), s(&f["returns"])),
                );
            }
            for e in entry["events"].as_array().unwrap() {
                p.events.insert((iface.clone(), s(&e["signature"])), s(&e["topic0"]));
            }
            for e in entry["errors"].as_array().unwrap() {
                p.errors.insert(s(&e["signature"]), s(&e["selector"]));
            }
            for (name, fields) in entry["structs"].as_object().unwrap() {
                p.structs.insert(name.clone(), strip_names(fields.as_str().unwrap()));
            }
        }
        // Functions and errors on an implementation but not in its interface (v1.3.0's
        // DEALLOCATION_DELAY(), the initializers, the PermissionControllerMixin's errors).
        for (_, imp) in v["_implementations"].as_object().unwrap() {
            // StrategyFactory and EigenPodManager have no interface entry here.
            let Some(iface) = imp["interface"].as_str().map(str::to_owned) else { continue };
            for key in ["functionsNotInInterface", "initializers"] {
                for f in imp[key].as_array().unwrap() {
                    p.functions.insert(
                        (iface.clone(), s(&f["signature"])),
                        (s(&f["selector"]), s(&f["returns"])),
                    );
                }
            }
            for e in imp["errorsNotInInterface"].as_array().unwrap() {
                p.errors.insert(s(&e["signature"]), s(&e["selector"]));
            }
        }
        p
    }

    /// `(selector or topic, returns)` of `u` in this version.
    fn find(&self, u: &Used) -> Option<(String, Option<String>)> {
        let key = (u.iface.clone(), u.signature.clone());
        match u.kind {
            Kind::Function => self.functions.get(&key).map(|(s, r)| (s.clone(), Some(r.clone()))),
            Kind::Event => self.events.get(&key).map(|t| (t.clone(), None)),
            Kind::Error => self.errors.get(&u.signature).map(|s| (s.clone(), None)),
        }
    }

    fn has_interface(&self, iface: &str) -> bool {
        self.functions.keys().any(|(i, _)| i == iface)
    }

    fn names(&self, iface: &str, kind: Kind) -> BTreeSet<String> {
        let keys: Box<dyn Iterator<Item = &(String, String)>> = match kind {
            Kind::Function => Box::new(self.functions.keys()),
            Kind::Event => Box::new(self.events.keys()),
            Kind::Error => return self.errors.keys().map(|s| name_of(s).to_owned()).collect(),
        };
        keys.filter(|(i, _)| i == iface).map(|(_, s)| name_of(s).to_owned()).collect()
    }
}

fn name_of(signature: &str) -> &str {
    signature.split('(').next().unwrap_or_default()
}

/// Splits `a,(b,c),d` at top-level commas.
fn split_top(s: &str) -> Vec<String> {
    let (mut parts, mut depth, mut cur) = (vec![], 0i32, String::new());
    for c in s.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    if !cur.trim().is_empty() {
        parts.push(cur);
    }
    parts.into_iter().map(|p| p.trim().to_owned()).collect()
}

/// `(uint64 a, (address,uint32) b)` → `(uint64,(address,uint32))`.
fn strip_names(fields: &str) -> String {
    let inner = fields.trim().strip_prefix('(').and_then(|f| f.strip_suffix(')')).unwrap();
    let types: Vec<String> = split_top(inner)
        .into_iter()
        .map(|f| match f.rfind(' ') {
            Some(i) if !f.ends_with(')') => f[..i].trim().to_owned(),
            _ => f,
        })
        .collect();
    format!("({})", types.join(","))
}

/// Replaces struct names in a type list by their canonical tuples (alloy's `SOL_NAME` of a
/// struct is its name).
fn expand(ty: &str, structs: &HashMap<String, String>) -> String {
    let mut out = String::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        match structs.get(word.as_str()) {
            Some(t) => out.push_str(t),
            None => out.push_str(word),
        }
        word.clear();
    };
    for c in ty.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

// ---------------------------------------------------------------- Solidity interfaces

/// Removes `//` and `/* */` comments.
fn strip_comments(src: &str) -> String {
    let (mut out, mut rest) = (String::new(), src);
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("//") {
            rest = r.find('\n').map_or("", |i| &r[i..]);
        } else if let Some(r) = rest.strip_prefix("/*") {
            rest = r.find("*/").map_or("", |i| &r[i + 2..]);
        } else {
            let c = rest.chars().next().unwrap();
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// The text between the parenthesis at `open` and its match, and the index after it.
fn balanced(s: &str, open: usize) -> (&str, usize) {
    let mut depth = 0;
    for (i, c) in s[open..].char_indices() {
        match c {
            '(' | '{' => depth += 1,
            ')' | '}' => {
                depth -= 1;
                if depth == 0 {
                    return (&s[open + 1..open + i], open + i + 1);
                }
            }
            _ => {}
        }
    }
    panic!("unbalanced at {open}");
}

const ELEMENTARY: &[&str] = &["address", "bool", "string", "bytes", "uint", "int"];

/// The canonical ABI type of a Solidity type name (`IERC20` → `address`, a struct → its tuple).
fn canonical_type(ty: &str, structs: &HashMap<String, String>) -> String {
    let base_end = ty.find('[').unwrap_or(ty.len());
    let (base, arrays) = ty.split_at(base_end);
    let base = match base {
        "uint" => "uint256".to_owned(),
        "int" => "int256".to_owned(),
        b if ELEMENTARY.iter().any(|e| b.starts_with(e)) => b.to_owned(),
        b => match structs.get(b) {
            Some(t) => t.clone(),
            // Interfaces and contracts are addresses in the ABI.
            None => "address".to_owned(),
        },
    };
    format!("{base}{arrays}")
}

/// `address operator, uint32[] calldata ids` → `address,uint32[]`.
fn param_types(params: &str, structs: &HashMap<String, String>) -> String {
    split_top(params)
        .iter()
        .map(|p| canonical_type(p.split_whitespace().next().unwrap(), structs))
        .collect::<Vec<_>>()
        .join(",")
}

/// Structs declared in `src` (file level or in an interface), resolved to canonical tuples.
fn sol_structs(src: &str, structs: &mut HashMap<String, String>) {
    let mut raw = vec![];
    let mut at = 0;
    while let Some(i) = src[at..].find("struct ") {
        let start = at + i + "struct ".len();
        let name: String =
            src[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        let open = start + src[start..].find('{').unwrap();
        let (body, end) = balanced(src, open);
        let fields: Vec<String> = body
            .split(';')
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .map(|f| f.split_whitespace().next().unwrap().to_owned())
            .collect();
        raw.push((name, fields));
        at = end;
    }
    // Structs may nest: resolve until every field type is known.
    for _ in 0..raw.len() + 1 {
        for (name, fields) in &raw {
            let tuple = fields.iter().map(|f| canonical_type(f, structs)).collect::<Vec<_>>();
            structs.insert(name.clone(), format!("({})", tuple.join(",")));
        }
    }
}

/// Every function, event and error of every interface in `contracts/src/interfaces/*.sol` and
/// `contracts/dev/interfaces/*.sol`.
fn solidity_used() -> Vec<Used> {
    // Production's (`src/`) and the local-chain contracts' (`dev/`: IStrategy, which Vigil's local
    // Strategy implements for EigenLayer v1.3.0).
    let mut files: Vec<_> = ["contracts/src/interfaces", "contracts/dev/interfaces"]
        .iter()
        .flat_map(|dir| std::fs::read_dir(repo().join(dir)).unwrap())
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let sources: Vec<(PathBuf, String)> = files
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "sol"))
        .map(|p| {
            let src = strip_comments(&std::fs::read_to_string(&p).unwrap());
            (p, src)
        })
        .collect();
    let mut structs = HashMap::new();
    for (_, src) in &sources {
        sol_structs(src, &mut structs);
    }
    let mut used = vec![];
    for (path, src) in &sources {
        let file = path.strip_prefix(repo()).unwrap_or(path).display().to_string();
        let mut at = 0;
        while let Some(i) = src[at..].find("interface ") {
            let start = at + i + "interface ".len();
            let iface: String = src[start..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let open = start + src[start..].find('{').unwrap();
            let (body, end) = balanced(src, open);
            at = end;
            for (keyword, kind) in
                [("function ", Kind::Function), ("event ", Kind::Event), ("error ", Kind::Error)]
            {
                let mut k = 0;
                while let Some(j) = body[k..].find(keyword) {
                    let decl = k + j;
                    k = decl + keyword.len();
                    // A whole word, at the start of a declaration.
                    if decl > 0
                        && !body[..decl]
                            .ends_with(|c: char| c.is_whitespace() || c == ';' || c == '}')
                    {
                        continue;
                    }
                    let name: String = body[k..]
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    let open = k + body[k..].find('(').unwrap();
                    let (params, after) = balanced(body, open);
                    let signature = format!("{name}({})", param_types(params, &structs));
                    let semi = after + body[after..].find(';').unwrap();
                    let tail = &body[after..semi];
                    let returns = (kind == Kind::Function).then(|| match tail.find("returns") {
                        Some(r) => {
                            let open = after + r + body[after + r..].find('(').unwrap();
                            format!("({})", param_types(balanced(body, open).0, &structs))
                        }
                        None => "()".to_owned(),
                    });
                    let hash = keccak256(signature.as_bytes());
                    let id =
                        if kind == Kind::Event { hex(hash.as_slice()) } else { hex(&hash[..4]) };
                    let iface = if kind == Kind::Error { "*".to_owned() } else { iface.clone() };
                    used.push(Used { iface, kind, signature, id, returns, from: file.clone() });
                }
            }
        }
    }
    used
}

// ---------------------------------------------------------------- Rust sources

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if path.is_dir() {
            if name != "target"
                && name != "node_modules"
                && !name.to_string_lossy().starts_with('.')
            {
                rust_files(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn workspace_sources() -> Vec<(String, String)> {
    let mut files = vec![];
    for dir in ["crates", "operator", "aggregator", "slasher"] {
        rust_files(&repo().join(dir), &mut files);
    }
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let src = std::fs::read_to_string(&p).unwrap();
            (p.strip_prefix(repo()).unwrap_or(&p).display().to_string(), src)
        })
        .collect()
}

/// Binding type name → EigenLayer interface.
const BINDINGS: &[(&str, &str)] = &[
    ("AllocationManager", "IAllocationManager"),
    ("DelegationManager", "IDelegationManager"),
    ("StrategyManager", "IStrategyManager"),
    ("PermissionController", "IPermissionController"),
    ("AVSDirectory", "IAVSDirectory"),
    ("IAllocationManagerV19", "IAllocationManager"),
    ("IProtocolRegistry", "IProtocolRegistry"),
];

fn ident_at(s: &str, at: usize) -> &str {
    let end = s[at..]
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .map_or(s.len(), |i| at + i);
    &s[at..end]
}

/// `(interface, kind, name, file)` of every EigenLayer binding function called and event used
/// in the Rust sources: `AllocationManager::fooCall`, `AllocationManager::SomeEvent`, and
/// `x.foo(` where `x` was bound to `AllocationManager::new(…)` (or chained on it).
fn rust_scan(published: &[Published]) -> BTreeSet<(String, Kind, String, String)> {
    let mut found = BTreeSet::new();
    for (file, src) in workspace_sources() {
        if file.ends_with("tests/it/selectors.rs") {
            continue; // this file's examples
        }
        for (binding, iface) in BINDINGS {
            let fns: BTreeSet<String> =
                published.iter().flat_map(|p| p.names(iface, Kind::Function)).collect();
            let events: BTreeSet<String> =
                published.iter().flat_map(|p| p.names(iface, Kind::Event)).collect();
            let pattern = format!("{binding}::");
            let mut vars = BTreeSet::new();
            let mut at = 0;
            while let Some(i) = src[at..].find(&pattern) {
                let pos = at + i;
                at = pos + pattern.len();
                // A whole identifier (not IAllocationManager:: for AllocationManager::).
                if src[..pos].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
                    continue;
                }
                let ident = ident_at(&src, at);
                if let Some(f) = ident.strip_suffix("Call") {
                    let f = f.trim_end_matches(|c: char| c.is_ascii_digit()).trim_end_matches('_');
                    found.insert((iface.to_string(), Kind::Function, f.to_owned(), file.clone()));
                } else if events.contains(ident) {
                    found.insert((iface.to_string(), Kind::Event, ident.to_owned(), file.clone()));
                } else if ident == "new" {
                    // `let am = AllocationManager::new(…)` binds `am`; `AllocationManager::new(…).f(`
                    // calls `f` directly.
                    let statement = src[..pos].rsplit([';', '{', '}']).next().unwrap_or("");
                    if let Some(l) = statement.split("let ").nth(1) {
                        let var =
                            l.trim_start_matches("mut ").split(['=', ':', ' ']).next().unwrap();
                        vars.insert(var.trim().to_owned());
                    }
                    let open = at + ident.len();
                    if src[open..].starts_with('(') {
                        let (_, after) = balanced(&src, open);
                        let rest = src[after..].trim_start();
                        if let Some(r) = rest.strip_prefix('.') {
                            let f = ident_at(r, 0);
                            if fns.contains(f) {
                                found.insert((
                                    iface.to_string(),
                                    Kind::Function,
                                    f.to_owned(),
                                    file.clone(),
                                ));
                            }
                        }
                    }
                }
            }
            for var in vars {
                let pattern = format!("{var}.");
                let mut at = 0;
                while let Some(i) = src[at..].find(&pattern) {
                    let pos = at + i;
                    at = pos + pattern.len();
                    if src[..pos]
                        .ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '.')
                    {
                        continue;
                    }
                    let f = ident_at(&src, at);
                    if fns.contains(f) && src[at + f.len()..].starts_with('(') {
                        found.insert((
                            iface.to_string(),
                            Kind::Function,
                            f.to_owned(),
                            file.clone(),
                        ));
                    }
                }
            }
        }
    }
    found
}

/// Custom errors Vigil's own contracts declare (`contracts/src/**/*.sol`, `contracts/dev/**/*.sol`),
/// by signature.
fn vigil_errors() -> BTreeSet<String> {
    let mut files = vec![];
    let mut dirs = vec![repo().join("contracts/src"), repo().join("contracts/dev")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "sol") {
                files.push(strip_comments(&std::fs::read_to_string(path).unwrap()));
            }
        }
    }
    let mut structs = HashMap::new();
    for src in &files {
        sol_structs(src, &mut structs);
    }
    let mut errors = BTreeSet::new();
    for src in &files {
        let mut at = 0;
        while let Some(i) = src[at..].find("error ") {
            let decl = at + i;
            at = decl + "error ".len();
            let starts = src[..decl]
                .ends_with(|c: char| c.is_whitespace() || c == ';' || c == '{' || c == '}');
            let name = ident_at(src, at);
            let open = at + name.len();
            if (decl > 0 && !starts) || name.is_empty() || !src[open..].starts_with('(') {
                continue;
            }
            let (params, _) = balanced(src, open);
            errors.insert(format!("{name}({})", param_types(params, &structs)));
        }
    }
    errors
}

/// Custom-error signatures written as string literals in the Rust sources (`"InvalidCaller()"`)
/// that name an EigenLayer error: exactly a published signature, or an EigenLayer error's name
/// with a signature that is not one of Vigil's own errors (a typo, or a changed error).
fn rust_error_literals(published: &[Published]) -> Vec<Used> {
    let errors: BTreeSet<String> =
        published.iter().flat_map(|p| p.names("", Kind::Error)).collect();
    let signatures: BTreeSet<&String> = published.iter().flat_map(|p| p.errors.keys()).collect();
    let ours = vigil_errors();
    assert!(ours.contains("KeyAlreadyRegistered(bytes32,address)"), "parsed Vigil's errors");
    let mut used = vec![];
    let mut seen = BTreeSet::new();
    for (file, src) in workspace_sources() {
        for literal in src.split('"').skip(1).step_by(2) {
            let Some((name, rest)) = literal.split_once('(') else { continue };
            let well_formed = name.starts_with(|c: char| c.is_ascii_uppercase())
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && rest.ends_with(')')
                && rest.chars().all(|c| c.is_ascii_alphanumeric() || "[](),".contains(c));
            let eigenlayers = signatures.contains(&literal.to_owned())
                || (errors.contains(name) && !ours.contains(literal));
            if well_formed && eigenlayers && seen.insert(literal.to_owned()) {
                used.push(Used {
                    iface: "*".into(),
                    kind: Kind::Error,
                    signature: literal.to_owned(),
                    id: hex(&keccak256(literal.as_bytes())[..4]),
                    returns: None,
                    from: file.clone(),
                });
            }
        }
    }
    used
}

// ---------------------------------------------------------------- the checks

fn published() -> Vec<Published> {
    VERSIONS.iter().map(|tag| Published::load(tag)).collect()
}

/// Checks `used` against every version; returns the failures.
fn check(used: &[Used], published: &[Published]) -> Vec<String> {
    let mut failures = vec![];
    for u in used {
        let known =
            KNOWN_DIFFERENCES.iter().find(|k| k.iface == u.iface && k.signature == u.signature);
        for p in published {
            let absent_ok = known.is_some_and(|k| k.absent_in.contains(&p.tag));
            match p.find(u) {
                None if absent_ok => {}
                None => failures.push(format!(
                    "{} {:?} {} (used by {}) is missing at {}: handle it and add it to KNOWN_DIFFERENCES",
                    u.iface, u.kind, u.signature, u.from, p.tag
                )),
                Some((id, returns)) => {
                    if id != u.id {
                        failures.push(format!(
                            "{} {} (used by {}): Vigil's id {} but {} at {}",
                            u.iface, u.signature, u.from, u.id, id, p.tag
                        ));
                    }
                    if absent_ok {
                        failures.push(format!(
                            "KNOWN_DIFFERENCES says {} {} is absent at {}, but it is there",
                            u.iface, u.signature, p.tag
                        ));
                    }
                    if let (Some(ours), Some(theirs)) = (&u.returns, returns) {
                        let ours = expand(ours, &p.structs);
                        let differ_ok = known.is_some_and(|k| k.returns_differ_in.contains(&p.tag));
                        if ours != theirs && !differ_ok {
                            failures.push(format!(
                                "{} {} (used by {}) returns {theirs} at {}, Vigil decodes {ours}",
                                u.iface, u.signature, u.from, p.tag
                            ));
                        } else if ours == theirs && differ_ok {
                            failures.push(format!(
                                "KNOWN_DIFFERENCES says {} {} returns something else at {}, but it \
                                 returns {theirs} as Vigil declares",
                                u.iface, u.signature, p.tag
                            ));
                        }
                    }
                }
            }
        }
    }
    failures
}

fn print_table(title: &str, used: &[Used], published: &[Published]) {
    println!("{title}:");
    for u in used {
        let cells: Vec<&str> = published
            .iter()
            .map(|p| match p.find(u) {
                Some(_) => "ok",
                None => "absent",
            })
            .collect();
        println!("  {:<20} {:<72} {} {:?}  [{}]", u.iface, u.signature, u.id, cells, u.from);
    }
}

#[test]
fn rust_bindings_match_every_eigenlayer_version() {
    let published = published();
    let used = rust_used();
    print_table("Rust bindings (v1.3.0, v1.9.0-rc.0, v1.9.0, v1.12.0)", &used, &published);
    let failures = check(&used, &published);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every hand-written EigenLayer function and event has the published selector or topic in every
/// version (or a declared difference), and is in [`rust_used`], whose entries carry the return
/// types Vigil decodes (checked by [`rust_bindings_match_every_eigenlayer_version`]).
#[test]
fn hand_written_bindings_match_every_eigenlayer_version() {
    let published = published();
    let declared = hand_written();
    assert!(declared.len() >= 20, "read the generated enums: {}", declared.len());
    print_table(
        "hand-written bindings (v1.3.0, v1.9.0-rc.0, v1.9.0, v1.12.0)",
        &declared,
        &published,
    );
    let mut failures = check(&declared, &published);
    let used = rust_used();
    for d in &declared {
        let listed = used.iter().any(|u| {
            u.iface == d.iface && u.kind == d.kind && u.signature == d.signature && u.id == d.id
        });
        if !listed {
            failures.push(format!(
                "{} {:?} {} is declared in {} but not in rust_used(): list it (or drop it if \
                 nothing uses it)",
                d.iface, d.kind, d.signature, d.from
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Events decode only if each parameter is indexed as EigenLayer emits it, which the topic does
/// not show: the hand-written events' topic counts against the published declarations.
#[test]
fn hand_written_events_are_indexed_as_published() {
    use alloy::sol_types::TopicList;
    fn topics<E: SolEvent>() -> (&'static str, usize) {
        (E::SIGNATURE, <E::TopicList as TopicList>::COUNT)
    }
    let ours = [
        topics::<AllocationManager::AllocationDelaySet>(),
        topics::<AllocationManager::OperatorRemovedFromOperatorSet>(),
        topics::<DelegationManager::OperatorMetadataURIUpdated>(),
    ];
    let events = hand_written().into_iter().filter(|u| u.kind == Kind::Event).count();
    assert_eq!(ours.len(), events, "every hand-written event is listed here");
    for tag in VERSIONS {
        let path = repo().join(format!("testdata/eigenlayer/interfaces-{tag}.json"));
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for (signature, count) in ours {
            let human = v
                .as_object()
                .unwrap()
                .values()
                .filter_map(|i| i.get("events")?.as_array())
                .flatten()
                .find(|e| e["signature"] == signature)
                .and_then(|e| e["human"].as_str())
                .unwrap_or_else(|| panic!("{signature} is not published at {tag}"));
            let indexed = human.matches(" indexed ").count();
            assert_eq!(count, indexed + 1, "{signature} at {tag}: published as {human}");
        }
    }
}

#[test]
fn rust_code_uses_only_listed_bindings() {
    let published = published();
    let used = rust_used();
    let found = rust_scan(&published);
    assert!(
        found
            .iter()
            .any(|(_, kind, name, _)| *kind == Kind::Function && name == "isMemberOfOperatorSet"),
        "the scan finds the calls it guards"
    );
    let missing: Vec<String> = found
        .iter()
        .filter(|(iface, kind, name, _)| {
            !used.iter().any(|u| &u.iface == iface && u.kind == *kind && u.name() == name)
        })
        .map(|(iface, kind, name, file)| {
            format!("{file} uses {iface} {kind:?} {name}: add its binding type to rust_used()")
        })
        .collect();
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

#[test]
fn solidity_interfaces_match_every_eigenlayer_version() {
    let published = published();
    let all = solidity_used();
    // Only interfaces that mirror an EigenLayer interface (not IVigilCheckpoints, and not
    // IPauserRegistry, which Vigil implements itself for the local core).
    let (used, skipped): (Vec<Used>, Vec<Used>) = all.into_iter().partition(|u| {
        u.kind == Kind::Error || published.iter().any(|p| p.has_interface(&u.iface))
    });
    let skipped: BTreeSet<&str> = skipped.iter().map(|u| u.from.as_str()).collect();
    println!("not EigenLayer interfaces: {skipped:?}");
    // Errors Vigil declares itself (IStrategy's are EigenLayer's) are checked only if EigenLayer
    // has an error of that name.
    let names: BTreeSet<String> = published.iter().flat_map(|p| p.names("", Kind::Error)).collect();
    let used: Vec<Used> =
        used.into_iter().filter(|u| u.kind != Kind::Error || names.contains(u.name())).collect();
    for iface in ["IAllocationManager", "IPermissionController", "IAVSRegistrar"] {
        assert!(used.iter().any(|u| u.iface == iface), "parsed {iface}");
    }
    let slash = used.iter().find(|u| u.name() == "slashOperator").unwrap();
    assert_eq!(slash.id, "0x36352057", "the parser builds canonical signatures");
    print_table("Solidity interfaces", &used, &published);
    let failures = check(&used, &published);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn error_signatures_in_rust_match_every_eigenlayer_version() {
    let published = published();
    let used = rust_error_literals(&published);
    print_table("error signatures in Rust sources", &used, &published);
    let failures = check(&used, &published);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// EigenLayer calls Vigil's registrar: every callback of every version must be in Vigil's
/// `IAVSRegistrar` with the same return types.
#[test]
fn vigil_implements_every_versions_registrar_callbacks() {
    let ours: Vec<Used> =
        solidity_used().into_iter().filter(|u| u.iface == "IAVSRegistrar").collect();
    for p in published() {
        let theirs: Vec<_> =
            p.functions.iter().filter(|((iface, _), _)| iface == "IAVSRegistrar").collect();
        assert_eq!(theirs.len(), 3, "{}", p.tag);
        for ((_, signature), (selector, returns)) in theirs {
            let u = ours.iter().find(|u| &u.signature == signature).unwrap_or_else(|| {
                panic!(
                    "{}: EigenLayer calls {signature} on the registrar; IAVSRegistrar.sol lacks it",
                    p.tag
                )
            });
            assert_eq!(&u.id, selector);
            assert_eq!(u.returns.as_ref(), Some(returns), "{signature} at {}", p.tag);
        }
    }
}

/// Every known difference is used by something and documented.
#[test]
fn known_differences_are_all_in_use() {
    let published = published();
    let mut used = rust_used();
    used.extend(solidity_used());
    used.extend(rust_error_literals(&published));
    for k in KNOWN_DIFFERENCES {
        assert!(
            used.iter().any(|u| u.iface == k.iface && u.signature == k.signature),
            "KNOWN_DIFFERENCES lists {} {}, which Vigil no longer uses",
            k.iface,
            k.signature
        );
        assert!(!k.why.is_empty());
        for tag in k.absent_in.iter().chain(k.returns_differ_in) {
            assert!(VERSIONS.contains(tag), "{tag}");
        }
    }
}

/// The checker itself: a selector missing from a version fails unless declared, and so do a
/// changed return type and a stale declaration.
#[test]
fn the_check_fails_on_undeclared_differences() {
    let published = published();
    let used = |signature: &str, returns: &str| Used {
        iface: "IAllocationManager".into(),
        kind: Kind::Function,
        signature: signature.into(),
        id: hex(&keccak256(signature.as_bytes())[..4]),
        returns: Some(returns.into()),
        from: "test".into(),
    };
    // Declared (absent at v1.3.0, handled): fine.
    assert!(check(&[used("getSlasher((address,uint32))", "(address)")], &published).is_empty());
    // Absent at v1.3.0 and not declared: fails, naming the version.
    let f = check(&[used("migrateSlashers((address,uint32)[])", "()")], &published);
    assert_eq!(f.len(), 1, "{f:?}");
    assert!(f[0].contains("missing at v1.3.0"), "{f:?}");
    // Decoding another return type than published: fails at every version.
    let f = check(&[used("getMemberCount((address,uint32))", "(uint32)")], &published);
    assert_eq!(f.len(), 4, "{f:?}");
    // A v1.3.0-only caller of slashOperator is declared; one that expected the v1.9 returns
    // everywhere is not.
    let slash = "slashOperator(address,(address,uint32,address[],uint256[],string))";
    assert!(check(&[used(slash, "()")], &published).is_empty());
    let f = check(&[used(slash, "(uint256,uint256[])")], &published);
    assert!(f.iter().any(|f| f.contains("at v1.3.0")), "{f:?}");
}
