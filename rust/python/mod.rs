//! The native module `pykeras._core`. Only this folder knows about Python;
//! every call converts its arguments, releases the GIL, runs the core inside
//! pykeras's thread pool, and maps errors to pykeras's exception classes.

mod convert;
mod errors;
mod graph;
mod optimizer;
mod trainer;
mod variable;

use crate::kernels::{cancel, isa, parallel};
use crate::ops::registry::Sample;
use crate::ops::{self, Context, DType, Dim, TensorSpec};
use convert::{attr_to_py, attrs_from_py, value_to_py, Held};
use errors::to_py;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::cell::RefCell;
use std::sync::{Arc, LazyLock};

/// Runs a core computation with the GIL released, inside the thread pool.
pub(crate) fn compute<T: Send>(
    py: Python<'_>,
    f: impl FnOnce() -> crate::Result<T> + Send,
) -> PyResult<T> {
    compute_sized(py, usize::MAX, f)
}

/// [`compute`] for a call whose inputs hold `work` elements (small calls may
/// stay on the calling thread; see `parallel::run_sized`).
///
/// While it runs, Python's signal handlers are run every 100 ms (they only
/// run on the main thread, and only when something asks): when one raises,
/// as Ctrl-C's does with `KeyboardInterrupt`, the call stops at its next
/// check (see `kernels::cancel`) and that exception reaches the caller.
pub(crate) fn compute_sized<T: Send>(
    py: Python<'_>,
    work: usize,
    f: impl FnOnce() -> crate::Result<T> + Send,
) -> PyResult<T> {
    // The core returns `Result` everywhere; this unwind guard is the last line
    // of defence, so a bug surfaces as a pykeras exception that says so,
    // never as an abort or a bare `PanicException`.
    let result = py.detach(|| {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            parallel::run_watched(work, f, Some(Arc::clone(&SIGNAL_WATCH))).and_then(|r| r)
        }))
        .unwrap_or_else(|payload| {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Err(crate::Error::graph(format!(
                "internal error in pykeras's core (please report it): {what}"
            )))
        })
    });
    // A handler that raised consumed its signal: its exception goes to the
    // caller even when the call finished before it could stop.
    if let Some(err) = RAISED.with(|r| r.borrow_mut().take()) {
        return Err(err);
    }
    result.map_err(to_py)
}

thread_local! {
    /// The exception a signal handler raised during this thread's current
    /// call. The watch runs on the calling thread only (`run_watched` polls
    /// it there; pool tasks get none), so a thread-local slot suffices.
    static RAISED: RefCell<Option<PyErr>> = const { RefCell::new(None) };
}

/// Runs Python's signal handlers; true (and the exception kept in
/// [`RAISED`]) once one raised. One shared closure, so a call allocates
/// nothing for it (an eager op is a few µs; allocations showed in profiles).
static SIGNAL_WATCH: LazyLock<cancel::Watch> = LazyLock::new(|| {
    Arc::new(|| {
        Python::attach(|py| match py.check_signals() {
            Ok(()) => false,
            Err(err) => {
                RAISED.with(|r| {
                    r.borrow_mut().get_or_insert(err);
                });
                true
            }
        })
    })
});

/// Borrows each array of `inputs`; a conversion error names it "`what` i".
pub(crate) fn hold_all<'py>(inputs: &[Bound<'py, PyAny>], what: &str) -> PyResult<Vec<Held<'py>>> {
    inputs
        .iter()
        .enumerate()
        // The name is formatted only for an error: most calls are a few µs.
        .map(|(i, a)| Held::try_borrow(a).ok_or_else(|| Held::refusal(a, &format!("{what} {i}"))))
        .collect()
}

/// Runs one op eagerly: `op(name, inputs, attrs=None, training=False, seed=0)`.
#[pyfunction]
#[pyo3(signature = (name, inputs, attrs=None, training=false, seed=0))]
fn op(
    py: Python<'_>,
    name: &str,
    inputs: Vec<Bound<'_, PyAny>>,
    attrs: Option<&Bound<'_, PyDict>>,
    training: bool,
    seed: u64,
) -> PyResult<Py<PyAny>> {
    let attrs = attrs_from_py(attrs)?;
    let held = hold_all(&inputs, "input")?;
    let views: Vec<_> = held.iter().map(|h| h.view()).collect();
    let ctx = Context {
        training,
        seed,
        ..Context::default()
    };
    let primitive = ops::build(name, &attrs).map_err(to_py)?;
    let shapes: Vec<&[usize]> = views.iter().map(|v| v.shape()).collect();
    let work = primitive.work(&shapes);
    let out = compute_sized(py, work, || {
        ops::boundary::forward(primitive.as_ref(), &views, &ctx)
    })?;
    Ok(value_to_py(py, out))
}

/// Forward then backward of one op: returns the input gradients for the
/// output gradient `grad` (None for inputs without a gradient).
#[pyfunction]
#[pyo3(signature = (name, inputs, grad, attrs=None, training=false, seed=0))]
fn op_grad(
    py: Python<'_>,
    name: &str,
    inputs: Vec<Bound<'_, PyAny>>,
    grad: Bound<'_, PyAny>,
    attrs: Option<&Bound<'_, PyDict>>,
    training: bool,
    seed: u64,
) -> PyResult<Vec<Option<Py<PyAny>>>> {
    let attrs = attrs_from_py(attrs)?;
    let held = hold_all(&inputs, "input")?;
    let grad = Held::extract(&grad, "grad")?;
    let views: Vec<_> = held.iter().map(|h| h.view()).collect();
    let gview = grad.view();
    let ctx = Context {
        training,
        seed,
        ..Context::default()
    };
    let grads = compute(py, || {
        let op = ops::build(name, &attrs)?;
        let out = ops::boundary::forward(op.as_ref(), &views, &ctx)?;
        if let crate::Value::I64(_) = out {
            // An integer result (a cast to int64) passes no gradient back.
            return Ok(vec![None; views.len()]);
        }
        let g = gview.to_owned();
        // Backward rules may assume the gradient is shaped like the output
        // (the graph and the tape guarantee it); a direct call is checked here.
        if g.shape() != out.shape() {
            return Err(crate::Error::shape(
                name,
                format!(
                    "an output gradient of shape {}",
                    crate::error::fmt_shape(out.shape())
                ),
                format!("shape {}", crate::error::fmt_shape(g.shape())),
            ));
        }
        // Backward rules may assume the gradient is shaped like the output
        // (the graph and the tape guarantee it); a direct call is checked here.
        if g.shape() != out.shape() {
            return Err(crate::Error::shape(
                name,
                format!(
                    "an output gradient of shape {}",
                    crate::error::fmt_shape(out.shape())
                ),
                format!("shape {}", crate::error::fmt_shape(g.shape())),
            ));
        }
        let needed = vec![true; views.len()];
        ops::boundary::backward(op.as_ref(), &views, out.view(), g, &ctx, &needed)
    })?;
    Ok(grads
        .into_iter()
        .map(|g| g.map(|a| value_to_py(py, a)))
        .collect())
}

/// Sets the number of threads kernels use (also read from PYKERAS_NUM_THREADS).
#[pyfunction]
fn set_num_threads(n: usize) -> PyResult<()> {
    parallel::set_num_threads(n).map_err(to_py)
}

/// The number of threads kernels use.
#[pyfunction]
fn get_num_threads() -> PyResult<usize> {
    parallel::num_threads().map_err(to_py)
}

/// The instruction-set path kernels run on: "baseline", "avx2" or "avx512".
#[pyfunction]
fn get_isa() -> &'static str {
    isa::level().name()
}

/// Sets the instruction-set path by name; a path the CPU lacks is an error.
#[pyfunction]
fn set_isa(name: &str) -> PyResult<()> {
    isa::set_level(name).map(|_| ()).map_err(to_py)
}

/// Which bf16 GEMM micro-kernel the path in force runs: "amx" (AMX tiles),
/// "native" (AVX512-BF16) or "emulated" (native's rounding, f32 arithmetic).
#[pyfunction]
fn bf16_path() -> &'static str {
    crate::kernels::bf16::path()
}

/// The paths this CPU can run, lowest first.
#[pyfunction]
fn available_isas() -> Vec<&'static str> {
    isa::available().into_iter().map(isa::Isa::name).collect()
}

/// `(feature, present)` for each CPU feature that bears on the kernels.
#[pyfunction]
fn cpu_features() -> Vec<(&'static str, bool)> {
    isa::cpu_features()
}

/// `(shape, dtype)` of op `name`'s output for inputs of `specs` (each a
/// `(shape, dtype)` pair, None for sizes known only at run time), by the op's
/// own rule: nothing runs. Bad shapes, types or attributes raise here.
#[pyfunction]
#[pyo3(signature = (name, specs, attrs=None))]
fn op_output(
    name: &str,
    specs: Vec<(Vec<Dim>, String)>,
    attrs: Option<&Bound<'_, PyDict>>,
) -> PyResult<(Vec<Dim>, &'static str)> {
    let attrs = attrs_from_py(attrs)?;
    let specs = specs
        .into_iter()
        .map(|(shape, dtype)| DType::parse(name, &dtype).map(|d| TensorSpec::new(shape, d)))
        .collect::<crate::Result<Vec<_>>>()
        .map_err(to_py)?;
    let out = ops::build(name, &attrs)
        .and_then(|op| ops::boundary::output_spec(op.as_ref(), &specs))
        .map_err(to_py)?;
    Ok((out.shape, out.dtype.name()))
}

/// The names of every primitive op.
#[pyfunction]
fn op_names() -> Vec<&'static str> {
    ops::op_names()
}

/// Every primitive op as declared in its module: a dict with `name`, `doc`,
/// `inputs` (a name ending in `...` takes any number), `attrs` (name ->
/// default, None where there is none), `dtypes`, `differentiable` and
/// `example`: `(attrs, [(kind, shape, ids)])` with kind "float32",
/// "positive" (float32 > 0) or "ids" (int64 `ids` of `shape`).
#[pyfunction]
fn op_specs(py: Python<'_>) -> PyResult<Vec<Bound<'_, PyDict>>> {
    ops::registry::all()
        .into_iter()
        .map(|info| {
            let d = PyDict::new(py);
            d.set_item("name", info.name)?;
            d.set_item("doc", info.doc)?;
            d.set_item("inputs", info.inputs.to_vec())?;
            let attrs = PyDict::new(py);
            for (k, v) in info.attrs {
                attrs.set_item(k, attr_to_py(py, &v.to_attr())?)?;
            }
            d.set_item("attrs", attrs)?;
            d.set_item("dtypes", info.dtypes)?;
            d.set_item("differentiable", info.differentiable)?;
            // "computed": float64 kernels (and backward rules); "narrowed":
            // float64 inputs are rounded to float32 (`ops::boundary`);
            // "own": the op converts between float types itself (cast).
            let float64 = (info.build)(info.name, &info.example_attrs())
                .map_or(ops::Float64::Narrowed, |op| op.float64());
            d.set_item("float64", float64.name())?;
            let example_attrs = PyDict::new(py);
            for (k, v) in info.example.0 {
                example_attrs.set_item(k, attr_to_py(py, &v.to_attr())?)?;
            }
            let samples: Vec<(&str, Vec<usize>, Vec<i64>)> = info
                .example
                .1
                .iter()
                .map(|s| match s {
                    Sample::F32(shape) => ("float32", shape.to_vec(), vec![]),
                    Sample::Positive(shape) => ("positive", shape.to_vec(), vec![]),
                    Sample::Ids(ids, shape) => ("ids", shape.to_vec(), ids.to_vec()),
                })
                .collect();
            d.set_item("example", (example_attrs, samples))?;
            Ok(d)
        })
        .collect()
}

#[pyfunction]
fn _before_fork() {
    parallel::fork::before_fork();
}

#[pyfunction]
fn _after_fork_in_parent() {
    parallel::fork::after_fork_in_parent();
}

#[pyfunction]
fn _after_fork_in_child() {
    parallel::fork::after_fork_in_child();
}

/// Keeps the thread pools usable in a forked child (`multiprocessing`'s
/// default start method on Linux): see `kernels::parallel::fork`.
fn register_fork_hooks(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let os = py.import("os")?;
    if !os.hasattr("register_at_fork")? {
        return Ok(());
    }
    let hooks = PyDict::new(py);
    hooks.set_item("before", wrap_pyfunction!(_before_fork, m)?)?;
    hooks.set_item(
        "after_in_parent",
        wrap_pyfunction!(_after_fork_in_parent, m)?,
    )?;
    hooks.set_item("after_in_child", wrap_pyfunction!(_after_fork_in_child, m)?)?;
    os.getattr("register_at_fork")?.call((), Some(&hooks))?;
    Ok(())
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // An unknown or unsupported PYKERAS_ISA fails the import, naming the
    // CPU's features, rather than running on a path the user did not ask for.
    isa::init_from_env().map_err(to_py)?;
    m.add_function(wrap_pyfunction!(op, m)?)?;
    m.add_function(wrap_pyfunction!(get_isa, m)?)?;
    m.add_function(wrap_pyfunction!(set_isa, m)?)?;
    m.add_function(wrap_pyfunction!(available_isas, m)?)?;
    m.add_function(wrap_pyfunction!(bf16_path, m)?)?;
    m.add_function(wrap_pyfunction!(cpu_features, m)?)?;
    m.add_function(wrap_pyfunction!(op_grad, m)?)?;
    m.add_function(wrap_pyfunction!(set_num_threads, m)?)?;
    m.add_function(wrap_pyfunction!(get_num_threads, m)?)?;
    m.add_function(wrap_pyfunction!(op_names, m)?)?;
    m.add_function(wrap_pyfunction!(op_output, m)?)?;
    m.add_function(wrap_pyfunction!(op_specs, m)?)?;
    register_fork_hooks(m)?;
    m.add_class::<graph::PyGraph>()?;
    m.add_class::<graph::PyNodeInfo>()?;
    m.add_class::<graph::PyTape>()?;
    m.add_class::<variable::PyVariable>()?;
    m.add_class::<optimizer::PyOptimizer>()?;
    m.add_class::<optimizer::PyOptimizerConfig>()?;
    m.add_class::<optimizer::PySubOptimizer>()?;
    m.add_class::<trainer::PyTrainStep>()?;
    m.add_class::<trainer::PyStepResults>()?;
    m.add_class::<trainer::PyStepPhase>()?;
    errors::register(m)?;
    Ok(())
}
